/** Signed messages: builders and verifiers. One file per message kind. */
export { openUnitMessage, verifyUnitMessage } from './unit-message.js';
export {
  eventKind,
  eventSchema,
  signEvent,
  entryHash,
  isEventKind,
  isSystemEventKind,
  EVENT_KINDS,
  RECORD_EVENT_KINDS,
  SYSTEM_EVENT_KINDS,
  EVENT_MAX_BYTES,
  EVENT_NOTE_MAX,
  EVENT_TECHNICIAN_MAX,
  GENESIS_HASH,
  type EventKind,
  type EventPayload,
  chainBreakSchema,
  encodeChainBreak,
  decodeChainBreak,
  CHAIN_BREAK_REASONS,
  type ChainBreak,
  type ChainBreakReason,
} from './event.js';
export { EventSigningThread, type PreparedEvent } from './event-chain.js';
export { orderKind, orderSchema, signOrder, verifyOrder, orderRole, ORDER_MAX_BYTES, OPERATOR_ID_BYTES, type Order, type OrderCheck, type VerifiedOrder } from './order.js';
export { heartbeatKind, heartbeatSchema, signHeartbeat, compareHeartbeatSeq, type Heartbeat, type CertExpiry } from './heartbeat.js';
export { birthKind, birthSchema, signBirth, compareBirthSeq, type Birth, type BirthSeq } from './birth.js';
export { deathKind, deathSchema, signDeath, type Death } from './death.js';
export { offlineKind, offlineSchema, signOffline, OFFLINE_REASONS, type Offline, type OfflineReason } from './offline.js';
export { receiptKind, receiptSchema, signReceipt, verifyReceipt, type Receipt, type ReceiptCheck, type VerifiedReceipt } from './receipt.js';
export { recyclingKind, recyclingSchema, signRecycling, verifyRecycling, RECYCLING_MAX_BYTES, type Recycling, type VerifiedRecycling } from './recycling.js';

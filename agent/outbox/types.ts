/**
 * The durable outbox contract (docs/protocol.md §"Delivery and receipts").
 *
 * Everything the agent must deliver travels in a stream with its own sequence numbers:
 *   - 'event': the signed event-log entries (seq = event sequence; the log IS the store,
 *              the outbox only keeps a cursor);
 *   - 'ack':   signed recall acknowledgements (seq = ack sequence, in their own durable log).
 * An entry leaves the outbox only when a platform receipt (signed by a key with the
 * receipt.sign role) says the platform has stored every entry of that stream up to and
 * including `seq`. A broker's PUBACK is not enough: a broker can crash after acknowledging.
 * The link resends what is still pending after every (re)connect and on a resend timer; the
 * MQTT client's own in-memory resend is never what delivery depends on.
 */
export type StreamName = 'event' | 'ack';

export interface PendingEntry {
  stream: StreamName;
  seq: number;
  /** The signed message exactly as it is published (a COSE_Sign1). */
  bytes: Uint8Array;
}

export interface Outbox {
  /** Entries not yet confirmed, in order, after `afterSeq` of each stream, at most `limit`. */
  pending(stream: StreamName, afterSeq: number, limit: number): PendingEntry[];
  /** Highest seq confirmed by a receipt, per stream (persisted). */
  confirmed(stream: StreamName): number;
  /** Highest seq accepted into the stream (durable). */
  head(stream: StreamName): number;
  /** Durably records that the platform stored every entry of `stream` up to `seq`. */
  confirm(stream: StreamName, seq: number): Promise<void>;
  /** Number of entries accepted but not confirmed, over all streams. */
  depth(): number;
  /** Called after new entries become pending (so the link can publish without polling). */
  onAppend(listener: (stream: StreamName) => void): () => void;
}

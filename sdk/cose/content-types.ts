/**
 * Every signed object kind has its own COSE content type (protected header label 3), so a
 * signature made for one kind is never accepted as another. The list is in docs/protocol.md.
 * Add new kinds here; never reuse or rename a published one.
 */
export const CONTENT_TYPES = {
  certificate: 'application/vnd.robot-id.cert+cbor',
  identity: 'application/vnd.robot-id.identity+cbor',
  policy: 'application/vnd.robot-id.policy+cbor',
  order: 'application/vnd.robot-id.order+cbor',
  event: 'application/vnd.robot-id.event+cbor',
  heartbeat: 'application/vnd.robot-id.heartbeat+cbor',
  birth: 'application/vnd.robot-id.birth+cbor',
  death: 'application/vnd.robot-id.death+cbor',
  offline: 'application/vnd.robot-id.offline+cbor',
  receipt: 'application/vnd.robot-id.receipt+cbor',
  recall: 'application/vnd.robot-id.recall+cbor',
  recallAck: 'application/vnd.robot-id.recall-ack+cbor',
  index: 'application/vnd.robot-id.index+cbor',
  attestation: 'application/vnd.robot-id.attestation+cbor',
  time: 'application/vnd.robot-id.time+cbor',
  recycling: 'application/vnd.robot-id.recycling+cbor',
  label: 'application/vnd.robot-id.label+cbor',
  rekeyRequest: 'application/vnd.robot-id.rekey-request+cbor',
  rekeyHandover: 'application/vnd.robot-id.rekey-handover+cbor',
  rotation: 'application/vnd.robot-id.rotation+cbor',
} as const;

export type ObjectKindName = keyof typeof CONTENT_TYPES;

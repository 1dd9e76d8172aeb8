/** Where campaign progress reads the recall acks the ingest stored (files or PostgreSQL). */

export interface StoredAck {
  /** The unit the ack arrived for. */
  code: string;
  /** The signed ack, as stored (verified by the ingest before it was stored). */
  bytes: Uint8Array;
}

export interface AckFeed {
  /** Acks stored since the previous call (every stored ack at the first). */
  next(): Promise<StoredAck[]>;
}

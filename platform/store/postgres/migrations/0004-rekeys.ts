/** Migration 4: the device rekeys the workers verified (docs/protocol.md §"Device rekey"). */
export const migration0004 = {
  version: 4,
  name: 'device rekeys',
  sql: `
-- One row per rekey: from its announcing \`rekeyed\` event at seq on, the unit's entries are
-- verified under \`record\`, those below it under \`previous\` (both identity records as signed).
-- Inserted in the transaction that stores the event, or after it, never without it (the
-- foreign key); once per (code, seq), whichever worker verified it. Every worker reads them
-- at start, and a unit's rows again when the unit signs with a key the worker does not know.
CREATE TABLE ingest_rekeys (
  code      text     NOT NULL,
  seq       bigint   NOT NULL CHECK (seq > 0),
  -- the events stream, for the foreign key
  stream    smallint NOT NULL DEFAULT 0 CHECK (stream = 0),
  previous  bytea    NOT NULL,
  record    bytea    NOT NULL,
  -- the highest ack seq the previous key signed
  ack_seq   bigint   NOT NULL CHECK (ack_seq >= 0),
  stored_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (code, seq),
  FOREIGN KEY (code, stream, seq) REFERENCES ingest_messages (code, stream, seq)
);
`,
};

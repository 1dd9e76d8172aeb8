/** Migration 1: what the ingest keeps (docs/operations.md §"Running the platform on PostgreSQL"). */
export const migration0001 = {
  version: 1,
  name: 'ingest messages and marks',
  sql: `
-- Every verified event (stream 0) and recall ack (stream 1), exactly as received, once per
-- (code, stream, seq): a resend or a second worker can never store an entry twice.
CREATE TABLE ingest_messages (
  code      text     NOT NULL,
  stream    smallint NOT NULL CHECK (stream IN (0, 1)),
  seq       bigint   NOT NULL CHECK (seq > 0),
  hash      bytea    NOT NULL,
  prev_hash bytea    NOT NULL,
  bytes     bytea    NOT NULL,
  stored_at timestamptz NOT NULL DEFAULT now(),
  -- the order of storage, for a traced history read in the order the platform saw it
  ord       bigserial NOT NULL,
  PRIMARY KEY (code, stream, seq)
);
CREATE INDEX ingest_messages_ack ON ingest_messages (stream, code) WHERE stream = 1;

-- Each unit stream's sequence marks (marks.ts, MarkJson), updated in the transaction that
-- stores the entries they count; the row lock orders the workers that store one unit.
CREATE TABLE ingest_marks (
  code       text     NOT NULL,
  stream     smallint NOT NULL CHECK (stream IN (0, 1)),
  contiguous bigint   NOT NULL,
  mark       jsonb    NOT NULL,
  PRIMARY KEY (code, stream)
);
`,
};

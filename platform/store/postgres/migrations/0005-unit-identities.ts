/** Migration 5: the units' identity records the workers verified (docs/protocol.md §"Fleet ingest"). */
export const migration0005 = {
  version: 5,
  name: 'unit identities',
  sql: `
-- One row per unit: its identity record as signed, as a worker verified it (from the wire or a
-- maker's registry, \`robot-id platform registry import\`). A row is replaced only by a record
-- with a higher record_version (no rollback). Every worker reads them at start and verifies
-- each again before use: this table is not trusted more than the wire.
CREATE TABLE unit_identities (
  code           text        PRIMARY KEY,
  record         bytea       NOT NULL,
  record_version bigint      NOT NULL CHECK (record_version >= 0),
  -- when a record of this code was first kept, and when the kept one was last written
  first_seen     timestamptz NOT NULL DEFAULT now(),
  last_seen      timestamptz NOT NULL DEFAULT now()
);
`,
};

/** Migration 7: the recyclers' records the platform took (`fleet recycled --db`). */
export const migration0007 = {
  version: 7,
  name: 'recycling records',
  sql: `
-- One row per verified recycler's record, as signed: what closes a scrapped unit's traced life
-- (\`fleet history --db\`). The files store keeps them in <ingest state>/recycling.jsonl. Every
-- record is verified again when read into a history: this table is not trusted more than a file.
CREATE TABLE recycling_records (
  id          bigserial   PRIMARY KEY,
  code        text        NOT NULL,
  record      bytea       NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX recycling_records_code ON recycling_records (code);
`,
};

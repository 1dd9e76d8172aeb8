/** Migration 6: the recall publisher's state (docs/operations.md §"The platform's state"). */
export const migration0006 = {
  version: 6,
  name: 'publisher state',
  sql: `
-- The publisher's state document (recalls, scope index versions, revocations, policy, root
-- rotations) as the files backend keeps it in state.json; one row. \`version\` goes up by one
-- with every committed change, so a reader (an ingest worker holding the revocations) sees a
-- change by comparing one number. Every change runs in one transaction under
-- pg_advisory_xact_lock, so two publishers at once never lose a change.
CREATE TABLE publisher_state (
  id         smallint    PRIMARY KEY CHECK (id = 1),
  country    text        NOT NULL,
  state      jsonb       NOT NULL,
  version    bigint      NOT NULL CHECK (version > 0),
  updated_at timestamptz NOT NULL DEFAULT now()
);
-- The current notice of each recall, as signed (the state's recalls name them).
CREATE TABLE publisher_notices (
  recall_id text  PRIMARY KEY,
  bytes     bytea NOT NULL
);
-- The last signed index of each scope (the state's scopes name them).
CREATE TABLE publisher_indexes (
  scope text  PRIMARY KEY,
  bytes bytea NOT NULL
);
`,
};

/** Migration 2: each unit's presence as the workers saw it, and the receipts they issued. */
export const migration0002 = {
  version: 2,
  name: 'presence and receipts issued',
  sql: `
-- The newest heartbeat and birth sequence of each unit, whichever worker received them: a
-- unit is offline when its newest deadline passed, not when one worker stopped hearing it.
CREATE TABLE unit_presence (
  code          text PRIMARY KEY,
  hb_boot       bigint,
  hb_counter    bigint,
  -- signed times, seconds since the epoch
  seen_at       bigint,
  next_due_by   bigint,
  birth_boot    bigint,
  birth_session bigint,
  -- the boot a death or offline message ended (a goodbye); a heartbeat of a later boot outranks it
  ended_boot    bigint,
  updated_at    timestamptz NOT NULL DEFAULT now()
);

-- The newest receipt issued to each unit (what it confirmed, and when).
CREATE TABLE receipts_issued (
  code      text PRIMARY KEY,
  event     bigint NOT NULL,
  ack       bigint NOT NULL,
  issued_at bigint NOT NULL
);
`,
};

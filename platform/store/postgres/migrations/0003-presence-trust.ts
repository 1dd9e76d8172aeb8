/** Migration 3: what a unit's newest heartbeat says of its trust (docs/protocol.md §"Root rotation"). */
export const migration0003 = {
  version: 3,
  name: 'presence: root version and nearest certificate expiry',
  sql: `
-- The root version the unit holds and the certificate it depends on that expires first
-- (seconds), as its newest heartbeat reported them (kept when a later heartbeat omits them).
ALTER TABLE unit_presence
  ADD COLUMN root_version          bigint,
  ADD COLUMN cert_expiry_kind      text,
  ADD COLUMN cert_expiry_not_after bigint;
`,
};

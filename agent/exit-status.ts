/**
 * Exit statuses of `robot-id agent` (docs/operations.md §"Exit statuses"). 10-17 mean "do not
 * run": a service manager must not restart the agent on them (systemd:
 * RestartPreventExitStatus=10 11 12 13 14 15 16 17). 1 is an unexpected failure and restartable.
 */
export const EXIT_STATUS = {
  ok: 0,
  failure: 1,
  noIdentity: 10,
  keyMismatch: 11,
  hardwareMismatch: 12,
  scrapped: 13,
  configInvalid: 14,
  clockBehind: 15,
  decommissioned: 16,
  /** Another process holds the state directory (agent/startup/state-lock.ts). */
  stateLocked: 17,
} as const;

export type ExitStatus = (typeof EXIT_STATUS)[keyof typeof EXIT_STATUS];

export const DO_NOT_RUN_STATUSES: readonly number[] = [10, 11, 12, 13, 14, 15, 16, 17];

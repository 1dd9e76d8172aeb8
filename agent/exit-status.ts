/**
 * Exit statuses of `robot-id agent` (docs/operations.md §"Exit statuses"). 10-17 mean "do not
 * run": a service manager must not restart the agent on them (systemd:
 * RestartPreventExitStatus=10 11 12 13 14 15 16 17). 1 is an unexpected failure and restartable;
 * 18 asks to be started again (a rekey was staged).
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
  /**
   * A new device key and identity record were staged (docs/key-handling.md §"Device rekey"):
   * start again at once; the next start installs them. Restartable (not a "do not run" status).
   */
  rekeyed: 18,
} as const;

export type ExitStatus = (typeof EXIT_STATUS)[keyof typeof EXIT_STATUS];

export const DO_NOT_RUN_STATUSES: readonly number[] = [10, 11, 12, 13, 14, 15, 16, 17];

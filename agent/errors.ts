/**
 * Errors of the agent. Every one is a RobotIdError with a stable string code; start-up
 * refusals also carry the process exit status a service manager acts on (exit-status.ts).
 */
import { RobotIdError } from '../sdk/index.js';
import type { ExitStatus } from './exit-status.js';

/** The configuration is invalid; `problems` lists every bad key at once. */
export class ConfigError extends RobotIdError {
  constructor(readonly problems: readonly string[]) {
    super('CONFIG_INVALID', `configuration invalid: ${problems.join('; ')}`);
  }
}

export type AgentStartErrorCode =
  | 'START_NO_IDENTITY'
  | 'START_KEY_MISMATCH'
  | 'START_HARDWARE_MISMATCH'
  | 'START_SCRAPPED'
  | 'START_CONFIG_INVALID'
  | 'START_CLOCK_BEHIND'
  | 'START_DECOMMISSIONED'
  | 'START_STATE_LOCKED';

/** The agent refuses to operate; `exitStatus` is the documented do-not-run status. */
export class AgentStartError extends RobotIdError {
  constructor(
    code: AgentStartErrorCode,
    readonly exitStatus: ExitStatus,
    message: string,
    options?: ErrorOptions,
  ) {
    super(code, message, options);
  }
}

export type EventLogErrorCode =
  | 'EVENT_LOG_FULL'
  | 'EVENT_LOG_IO'
  | 'EVENT_LOG_CLOSED'
  | 'EVENT_LOG_FORMAT'
  | 'EVENT_TOO_LARGE';

/** The event log (or the ack log) cannot take an entry. Nothing accepted is lost. */
export class EventLogError extends RobotIdError {
  constructor(code: EventLogErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
  }
}

export type EventRejectedCode =
  | 'EVENT_INVALID'
  | 'LIFECYCLE_TRANSITION'
  | 'ORDER_REQUIRED'
  | 'ORDER_INVALID'
  | 'ORDER_REPLAYED'
  | 'AGENT_DRAINING'
  /** Entering service without a registration ("no code, no market access"). */
  | 'REGISTRATION_REQUIRED'
  /** A second registration of a used unit, which the root's policy forbids (recorded in the log). */
  | 'RESALE_FORBIDDEN';

/** A submitted event was examined and refused (bad kind, transition not allowed, bad order). */
export class EventRejectedError extends RobotIdError {
  constructor(code: EventRejectedCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
  }
}

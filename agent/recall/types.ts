/** Shapes shared by the robot-side recall modules (docs/protocol.md §"Recalls on the robot"). */
import type { AckStatus, RecallAction } from '../../sdk/index.js';

/** A local program run for each accepted notice, the notice as JSON on standard input. */
export interface RecallProgramAction {
  command: string;
  args: string[];
  timeoutMs: number;
}

/** The built-in action: the unit's enforcement state, replaced atomically in one JSON file. */
export interface RecallStateFileAction {
  file: string;
}

/** The local action for each accepted notice (config `recallAction`). */
export type RecallActionConfig = RecallProgramAction | RecallStateFileAction;

/** ACTION_WRITE: the state file could not be written; the others are the program's. */
export type ActionFailure = 'ACTION_EXIT' | 'ACTION_SIGNAL' | 'ACTION_TIMEOUT' | 'ACTION_SPAWN' | 'ACTION_WRITE';

/** The recorded outcome of one run of the local action. */
export interface ActionOutcome {
  status: 'applied' | 'failed';
  reason?: ActionFailure;
  exitCode: number | null;
  signal: string | null;
  /** Why the action ran: a newly accepted notice, or the re-run after a reboot. */
  trigger: 'accepted' | 'boot';
  /** Seconds since the epoch (agent clock) when it finished. */
  at: number;
  durationMs: number;
}

/** One run of the local action, as either kind reports it. */
export interface ActionRun {
  outcome: ActionOutcome;
  /** The last bytes a program wrote to standard error (for the log, never acknowledged). */
  stderrTail: string;
  /** Why a state file could not be written (for the log). */
  error?: { code: string; message: string };
}

/** What the robot holds for one recall id: its current revision, as applied to this unit. */
export interface RecallRecord {
  recallId: string;
  revision: number;
  campaignId: string;
  issuer: string;
  action: RecallAction;
  /** For this unit: 'resolved' once a resolving revision covers it. */
  state: 'active' | 'resolved';
  issuedAt: number;
  notAfter: number;
  /** Seconds since the epoch when the robot accepted this revision. */
  acceptedAt: number;
  /** Hex SHA-256 of the notice bytes (the file notices/<sha256>.cose). */
  sha256: string;
  /** Distinct certified subjects that signed. */
  signers: string[];
  /** Last outcome of the local action for this revision. */
  outcome?: ActionOutcome;
  /** Last status acknowledged for this revision. */
  acked?: AckStatus;
}

/** One active recall as heartbeats and the local socket show it. */
export interface ActiveRecall {
  recallId: string;
  revision: number;
  campaignId: string;
  action: RecallAction;
  issuer: string;
  acceptedAt: number;
  outcome?: ActionOutcome['status'];
}

/**
 * Appends one signed acknowledgement to the outbox's durable 'ack' stream (DurableOutbox
 * implements it). The stream assigns the next seq and hands it to `make`, which returns the
 * signed bytes carrying that seq; resolves once the entry is durable.
 */
export interface AckSink {
  appendAck(make: (seq: number) => Uint8Array | Promise<Uint8Array>): Promise<{ seq: number }>;
}

/** The logger subset the recall modules use (a pino child logger fits). */
export interface RecallLog {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/**
 * The running agent as the other modules see it (link, heartbeat, recall handler, API routes).
 * main.ts builds it; nothing here has side effects.
 */
import type { LifecycleState, RobotCode, Signer, TrustStore, VerifiedIdentity } from '../sdk/index.js';
import type { AgentConfig } from './config/index.js';
import type { EventLog, LoggedEvent } from './eventlog/index.js';
import type { EventRequest, Lifecycle } from './lifecycle/index.js';
import type { Logger } from './logger.js';
import type { DurableOutbox } from './outbox/durable-outbox.js';
import type { Router } from './api/router.js';
import type { Clock } from './time/clock.js';
import type { TimeFloor } from './time/time-floor.js';
import type { RecoveryReport } from './storage/index.js';
import type { StorageHealth, StorageState } from './storage-health/storage-health.js';

export interface AgentStatus {
  code: string;
  agentVersion: string;
  firmwareVersion?: string;
  lifecycle: LifecycleState;
  /**
   * `held` with the region and pseudonymous operator of the registration in force, `none`, or
   * `waived` when configuration lets the unit enter service unregistered.
   */
  registration: { state: 'held'; region: string; operator: string } | { state: 'none' | 'waived' };
  /** True when decommissioned/scrapped: the agent only delivers what is pending, then exits. */
  draining: boolean;
  bootCount: number;
  uptimeMs: number;
  /** Effective time (time floor applied), ms. */
  timeMs: number;
  clockBehindMs: number;
  /** `full` while the state directory has no space or something waits in memory to be written. */
  storage: StorageState;
  /** What waits to be written, while `storage` is `full`. */
  storageWaiting?: string[];
  eventLog: { head: { seq: number; hash: string }; bytes: number; maxBytes: number };
  outbox: { depth: number; event: { head: number; confirmed: number }; ack: { head: number; confirmed: number } };
  /**
   * entriesScanned: event log entries decoded at this start (those after the checkpoint, or all);
   * checkpointError: why the log's checkpoint could not be written last (the next start scans more).
   */
  recovery: { tornTailBytes: number; damagedStretches: number; chainBreaks: number; entriesScanned: number; checkpointError?: string };
  /** Sections added by modules (link, recall, ...) through addStatusSection. */
  [section: string]: unknown;
}

/** Why the agent wants to stop on its own: a terminal lifecycle state once drained, or a fatal failure. */
export interface StopRequest {
  exitStatus: number;
  reason: string;
}

export interface Agent {
  readonly config: Readonly<AgentConfig>;
  /** Child of the root logger carrying the robot code; give modules `log.child({ module })`. */
  readonly log: Logger;
  readonly identity: VerifiedIdentity;
  readonly code: RobotCode;
  /** The device key (signs events, heartbeats, acks, attestations). */
  readonly signer: Signer;
  readonly trust: TrustStore;
  readonly bootCount: number;
  readonly clock: Clock;
  /** Effective time with the floor applied: use time.nowMs()/nowSeconds() for anything signed. */
  readonly time: TimeFloor;
  readonly eventLog: EventLog;
  readonly outbox: DurableOutbox;
  readonly lifecycle: Lifecycle;
  /** The local API router: add routes before or after start (routes/ registers the core ones). */
  readonly router: Router;
  readonly recovery: { eventLog: RecoveryReport; ackLog: RecoveryReport };
  /** Whether the state directory is full; modules register what they hold in memory while it is. */
  readonly storage: StorageHealth;
  uptimeMs(): number;
  /** Checks and appends an event; resolves once durable. */
  submitEvent(req: EventRequest): Promise<LoggedEvent>;
  status(): AgentStatus;
  /** Adds a section to status() (e.g. 'link', 'recalls'); the provider must be cheap and not throw. */
  addStatusSection(name: string, provider: () => unknown): void;
  /** Registers cleanup run by close(), in reverse order of registration. */
  onClose(fn: () => void | Promise<void>): void;
  /** Resolves when the agent asks to stop on its own (drained terminal state, fatal log failure, a staged rekey). */
  readonly stopRequested: Promise<StopRequest>;
  /** Asks the process to stop with `r` (the first request wins). */
  requestStop(r: StopRequest): void;
  close(): Promise<void>;
}

/** An optional part of the agent started after the core (link, heartbeat, recall handler). */
export interface AgentModule {
  readonly name: string;
  start(agent: Agent): Promise<{ close(): Promise<void> | void } | void>;
}

export type { EventRequest, LoggedEvent };

/** Messages between the fleet simulation's parent and its worker processes (IPC). */
export interface WorkerConfig {
  index: number;
  pkiDir: string;
  stateRoot: string;
  registryFile: string;
  brokerUrl: string;
  /** First unit number and how many units this worker simulates. */
  first: number;
  count: number;
  batch: number;
  batchPauseMs: number;
  heartbeatIntervalMs: number;
  /** Robots handed their next message per turn of the worker's event loop (turns.ts); 0: every message at once. */
  turnRobots: number;
  /** The recall action: the built-in state file (in each robot's state dir) or a program spawned per notice. */
  action?: { kind: 'file' } | { kind: 'program'; command: string; args: string[]; timeoutMs: number };
}

export type ToWorker =
  | { type: 'start'; config: WorkerConfig }
  | { type: 'connect' }
  | { type: 'report' }
  | { type: 'stop' }
  /** CPU profile of the recall phase only (inspector), written to `file` on 'profile-stop'. */
  | { type: 'profile-start' }
  | { type: 'profile-stop'; file: string };

export interface Memory {
  rss: number;
  heapUsed: number;
}

export type FromWorker =
  /** Sent once the worker listens: IPC messages sent before that would be lost. */
  | { type: 'ready' }
  | { type: 'provisioned'; count: number; ms: number; baseline: Memory }
  | { type: 'progress'; connected: number; attempts: number; verified: number; applied: number; failed: number; receipted: number; maxWaiting: number }
  /** Per robot: [code, verified wall ms, applied wall ms, receipted wall ms] (0 = not yet). */
  | { type: 'times'; items: [string, number, number, number][] }
  | { type: 'report'; memory: Memory; robots: number }
  | { type: 'stopped' }
  | { type: 'profiled'; file: string }
  | { type: 'error'; message: string };

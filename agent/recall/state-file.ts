/**
 * The built-in recall action (config `recallAction: {"file": path}`, docs/protocol.md §"Recalls
 * on the robot"): the agent keeps the unit's whole enforcement state in one JSON file, replaced
 * atomically (write, fsync, rename, fsync the directory) each time a notice is accepted and at
 * every start. The robot maker's controller watches it (a systemd `.path` unit on `PathChanged=`,
 * inotify) and stops or derates the robot; docs/packaging.md shows the units.
 *
 * Unlike a program, nothing is started: no process, no pipes, no environment to keep secrets
 * out of, no sandbox exception for a helper. The file always holds the complete state, so a
 * consumer that missed a change, or starts after the agent, reads the right answer.
 */
import { writeFileAtomicSync } from '../../sdk/index.js';
import type { ActionOutcome, ActionRun, ActiveRecall } from './types.js';

export const STATE_FILE_FORMAT = 1;

/** The file's content: what is in force on this unit now, strongest recall first. */
export interface EnforcementState {
  v: typeof STATE_FILE_FORMAT;
  unit: string;
  /** The action the robot must enforce: the strongest of the active recalls, or null. */
  strongestAction: ActiveRecall['action'] | null;
  activeRecalls: Omit<ActiveRecall, 'outcome'>[];
  /** What made the agent write the file now. */
  cause: { trigger: ActionOutcome['trigger']; recallId?: string; revision?: number; state?: 'active' | 'resolved' };
  /** Seconds since the epoch (agent clock). */
  updatedAt: number;
}

export function writeStateFile(path: string, state: EnforcementState, trigger: ActionOutcome['trigger'], now: () => number): ActionRun {
  const started = Date.now();
  const done = (o: Pick<ActionOutcome, 'status' | 'reason'>): ActionOutcome => ({ ...o, exitCode: null, signal: null, trigger, at: now(), durationMs: Date.now() - started });
  try {
    // World-readable: the controller may run as another user; nothing in it is secret.
    writeFileAtomicSync(path, JSON.stringify(state) + '\n', { mode: 0o644 });
    return { outcome: done({ status: 'applied' }), stderrTail: '' };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return { outcome: done({ status: 'failed', reason: 'ACTION_WRITE' }), stderrTail: '', error: { code: e.code ?? 'EIO', message: e.message } };
  }
}

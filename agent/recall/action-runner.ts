/**
 * Runs the configured local action for a recall (docs/protocol.md §"Recalls on the robot"):
 * the program is started WITHOUT a shell (spawn, shell:false, argv as configured), receives the
 * notice as one JSON document on standard input, and is killed (its whole process group) when
 * it outlives timeoutMs. Exit status 0 is "applied"; anything else is "failed" with a reason.
 * The child gets a fixed minimal environment: the agent's own (which may hold broker
 * credentials) is never passed on.
 */
import { spawn } from 'node:child_process';
import type { ActionOutcome, ActionRun, RecallProgramAction } from './types.js';

export const ACTION_ENV = Object.freeze({ PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8' });
const STDERR_TAIL = 2048;

export function runAction(
  config: RecallProgramAction,
  input: unknown,
  trigger: ActionOutcome['trigger'],
  now: () => number,
): Promise<ActionRun> {
  const started = Date.now();
  return new Promise((resolve) => {
    let stderr = '';
    let timedOut = false;
    let settled = false;
    const finish = (o: Omit<ActionOutcome, 'trigger' | 'at' | 'durationMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ outcome: { ...o, trigger, at: now(), durationMs: Date.now() - started }, stderrTail: stderr.slice(-STDERR_TAIL) });
    };
    const child = spawn(config.command, config.args, {
      shell: false,
      stdio: ['pipe', 'ignore', 'pipe'],
      env: { ...ACTION_ENV },
      detached: true, // its own process group, so a timeout kills what it started too
    });
    const timer = setTimeout(() => {
      if (child.exitCode !== null || child.signalCode !== null) return; // exited; 'close' decides
      timedOut = true;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL'); // the group is already gone; make sure the child itself is
      }
    }, config.timeoutMs);
    child.on('error', () => finish({ status: 'failed', reason: 'ACTION_SPAWN', exitCode: null, signal: null }));
    // Without free file descriptors spawn cannot make the pipes: the streams are then missing and
    // the 'error' event reports ACTION_SPAWN.
    child.stderr?.setEncoding('utf8').on('data', (d: string) => {
      stderr = (stderr + d).slice(-STDERR_TAIL);
    });
    child.on('close', (code, signal) => {
      // A program that exited 0 on its own was applied, even if our timer fired first: under
      // load the exit can be reaped after the timer (the kill then finds nothing to kill).
      if (code === 0 && signal === null) finish({ status: 'applied', exitCode: 0, signal: null });
      else if (timedOut) finish({ status: 'failed', reason: 'ACTION_TIMEOUT', exitCode: code, signal });
      else if (signal) finish({ status: 'failed', reason: 'ACTION_SIGNAL', exitCode: null, signal });
      else if (code !== 0) finish({ status: 'failed', reason: 'ACTION_EXIT', exitCode: code, signal: null });
      else finish({ status: 'applied', exitCode: 0, signal: null });
    });
    // A program that exits without reading its input makes the write fail with EPIPE; its exit
    // status decides the outcome, so the stream error is only swallowed here.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(JSON.stringify(input) + '\n');
  });
}

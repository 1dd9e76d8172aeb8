// The local recall action: outcome by exit status, timeouts kill, and a program that exited 0
// is never reported as timed out because the agent's event loop was late to notice.
import { describe, expect, it } from 'vitest';
import { runAction } from '../../agent/recall/action-runner.js';

const now = (): number => Math.floor(Date.now() / 1000);

function busy(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // Holds the event loop like an overloaded agent would.
  }
}

describe('recall action runner', () => {
  it('exit 0 is applied, exit 3 is failed with ACTION_EXIT', async () => {
    expect((await runAction({ command: '/bin/true', args: [], timeoutMs: 10_000 }, {}, 'accepted', now)).outcome.status).toBe('applied');
    const failed = await runAction({ command: '/bin/sh', args: ['-c', 'exit 3'], timeoutMs: 10_000 }, {}, 'accepted', now);
    expect(failed.outcome).toMatchObject({ status: 'failed', reason: 'ACTION_EXIT', exitCode: 3 });
  });

  it('a program outliving its timeout is killed and reported ACTION_TIMEOUT', async () => {
    const r = await runAction({ command: '/bin/sleep', args: ['30'], timeoutMs: 100 }, {}, 'accepted', now);
    expect(r.outcome).toMatchObject({ status: 'failed', reason: 'ACTION_TIMEOUT', signal: 'SIGKILL' });
  });

  it('a program that exited 0 before the agent noticed is applied, not timed out', async () => {
    const run = runAction({ command: '/bin/true', args: [], timeoutMs: 1 }, {}, 'accepted', now);
    // The child exits within milliseconds, but the loop is blocked: the 1 ms timer is due
    // before the exit is reaped, as happens with thousands of actions on two cores.
    busy(300);
    expect((await run).outcome).toMatchObject({ status: 'applied', exitCode: 0 });
  });

  it('receives the notice as JSON on standard input, without a shell', async () => {
    const r = await runAction(
      { command: '/bin/sh', args: ['-c', 'read line; case "$line" in *RC-42*) exit 0;; *) exit 9;; esac'], timeoutMs: 10_000 },
      { recallId: 'RC-42' },
      'accepted',
      now,
    );
    expect(r.outcome.status).toBe('applied');
  });
});

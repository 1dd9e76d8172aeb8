// threadPays: a burst goes to the signing thread only while the event loop is saturated and
// the machine has a core idle, and stays there while the loop stays busy. Samples and time are
// injected: no timing in the test.
import { describe, expect, it } from 'vitest';
import { threadPays } from '../../sdk/index.js';

function policy(samples: { loop: number; idleCores: number }[]) {
  let t = 0;
  const pays = threadPays({ windowMs: 100, now: () => t, sample: () => samples.shift()! });
  return { pays, advance: (ms: number) => (t += ms) };
}

describe('threadPays', () => {
  it('engages only with a saturated loop and an idle core, and releases when the loop is no longer busy', () => {
    const { pays, advance } = policy([
      { loop: 0.95, idleCores: 0.1 }, // saturated, but no core to spare
      { loop: 0.6, idleCores: 1.5 }, // a core to spare, loop not saturated
      { loop: 0.95, idleCores: 1.0 }, // both: engage
      { loop: 0.6, idleCores: 0 }, // on the thread the loop is less busy: stay
      { loop: 0.3, idleCores: 1 }, // the burst is over: release
    ]);
    expect(pays()).toBe(false); // the first call starts the first window
    const seen: boolean[] = [];
    for (let i = 0; i < 5; i++) {
      advance(100);
      seen.push(pays());
      advance(10);
      expect(pays()).toBe(seen.at(-1)); // within a window: no new sample
    }
    expect(seen).toEqual([false, false, true, true, false]);
  });

  it('samples the real machine without throwing', () => {
    const pays = threadPays({ windowMs: 0 });
    expect(typeof pays()).toBe('boolean');
    expect(typeof pays()).toBe('boolean');
  });
});

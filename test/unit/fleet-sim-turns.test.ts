/**
 * The fleet simulation's round robin over one worker's robots (scripts/fleet-sim/turns.ts):
 * every message is handed over once, each robot's in arrival order, at most `perTurn` robots
 * per turn of the event loop, a robot's next message only after its previous one was handled,
 * and a robot with more to do goes behind the robots already waiting.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { expect, it } from 'vitest';
import { Turns } from '../../scripts/fleet-sim/turns.js';

/** Runs the event loop until `done()` or the turn limit. */
async function turnsUntil(done: () => boolean, limit = 100): Promise<number> {
  let n = 0;
  while (!done() && n < limit) {
    await nextTurn();
    n++;
  }
  return n;
}

it('hands the first message of every robot over before any robot gets its second', async () => {
  const turns = new Turns(2);
  const log: string[] = [];
  const robots = ['a', 'b', 'c'].map((name) => ({ name, line: turns.robot() }));
  for (const { name, line } of robots) for (const m of [1, 2]) line.deliver(() => void log.push(`${name}${m}`));
  expect(log).toEqual([]); // nothing synchronously: the robots wait for their turn
  await turnsUntil(() => log.length === 6);
  expect(log).toEqual(['a1', 'b1', 'c1', 'a2', 'b2', 'c2']);
});

it('hands over at most perTurn robots per turn of the loop', async () => {
  const turns = new Turns(3);
  const perTurn: number[] = [];
  let current = 0;
  const lines = Array.from({ length: 10 }, () => turns.robot());
  for (const line of lines) line.deliver(() => void current++);
  while (perTurn.reduce((a, b) => a + b, 0) < 10) {
    await nextTurn();
    perTurn.push(current);
    current = 0;
  }
  expect(Math.max(...perTurn)).toBeLessThanOrEqual(3);
  expect(perTurn.filter((n) => n > 0).length).toBeGreaterThanOrEqual(4);
});

it("waits for a robot's message to be handled before handing it the next", async () => {
  const turns = new Turns(8);
  const line = turns.robot();
  const other = turns.robot();
  const log: string[] = [];
  let finish!: () => void;
  line.deliver(() => {
    log.push('a1 start');
    return new Promise<void>((r) => (finish = r)).then(() => void log.push('a1 end'));
  });
  line.deliver(() => void log.push('a2'));
  other.deliver(() => void log.push('b1'));
  await turnsUntil(() => log.includes('b1'));
  for (let i = 0; i < 5; i++) await nextTurn();
  expect(log).toEqual(['a1 start', 'b1']);
  finish();
  await turnsUntil(() => log.includes('a2'));
  expect(log).toEqual(['a1 start', 'b1', 'a1 end', 'a2']);
});

it("goes on with a robot's line after its handler threw or rejected", async () => {
  const turns = new Turns(4);
  const line = turns.robot();
  const log: string[] = [];
  line.deliver(() => {
    throw new Error('bug in a handler');
  });
  line.deliver(() => Promise.reject(new Error('rejected')));
  line.deliver(() => void log.push('third'));
  await turnsUntil(() => log.length === 1);
  expect(log).toEqual(['third']);
});

it('perTurn 0 hands every message over at once', () => {
  const turns = new Turns(0);
  const line = turns.robot();
  const log: number[] = [];
  line.deliver(() => void log.push(1));
  line.deliver(() => void log.push(2));
  expect(log).toEqual([1, 2]);
});

// The time floor with an injected clock: never earlier than the floor, persisted, refusals.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TimeFloor } from '../../agent/time/time-floor.js';
import type { Clock } from '../../agent/time/clock.js';
import { AgentStartError } from '../../agent/errors.js';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'rid-floor-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function clock(wall: number): Clock & { wall: number; mono: number } {
  const c = { wall, mono: 0, nowMs: () => c.wall, monotonicMs: () => c.mono };
  return c;
}

const T = 1_750_000_000_000;

describe('time floor', () => {
  it('follows a sane clock and persists the latest time', () => {
    const path = join(dir, 'floor.json');
    const c = clock(T);
    const f = TimeFloor.open({ path, clock: c });
    expect(f.nowMs()).toBe(T);
    c.wall += 5000;
    c.mono += 5000;
    expect(f.nowMs()).toBe(T + 5000);
    f.persist();
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ floorMs: T + 5000 });
  });

  it('a clock behind the floor: uses the floor, moving forward with monotonic time, and says so', () => {
    const path = join(dir, 'floor.json');
    writeFileSync(path, JSON.stringify({ floorMs: T }));
    const c = clock(T - 3600_000); // an hour behind
    const warnings: number[] = [];
    const f = TimeFloor.open({ path, clock: c, onBehind: (behind) => warnings.push(behind) });
    expect(f.behindAtBootMs).toBe(3600_000);
    expect(f.nowMs()).toBe(T);
    c.mono += 2000;
    c.wall += 2000;
    expect(f.nowMs()).toBe(T + 2000);
    expect(warnings.length).toBeGreaterThanOrEqual(1);
    expect(warnings[0]).toBeGreaterThan(3500_000);
    // The clock jumping back further changes nothing; time never goes backwards.
    c.wall -= 86400_000;
    expect(f.nowMs()).toBe(T + 2000);
    expect(f.nowSeconds()).toBe(Math.floor((T + 2000) / 1000));
  });

  it('the newest event time raises the floor', () => {
    const f = TimeFloor.open({ path: join(dir, 'floor.json'), clock: clock(T), atLeastMs: T + 60_000 });
    expect(f.nowMs()).toBe(T + 60_000);
  });

  it('refuses with 15 when the floor is unreadable or the clock is further behind than allowed', () => {
    const path = join(dir, 'floor.json');
    writeFileSync(path, 'garbage');
    expect(() => TimeFloor.open({ path, clock: clock(T) })).toThrow(AgentStartError);
    try {
      TimeFloor.open({ path, clock: clock(T) });
    } catch (err) {
      expect((err as AgentStartError).exitStatus).toBe(15);
    }
    writeFileSync(path, JSON.stringify({ floorMs: T }));
    expect(() => TimeFloor.open({ path, clock: clock(T - 10_000), refuseClockBehindMs: 60_000 })).not.toThrow();
    expect(() => TimeFloor.open({ path, clock: clock(T - 120_000), refuseClockBehindMs: 60_000 })).toThrow(/behind the time floor/);
  });
});

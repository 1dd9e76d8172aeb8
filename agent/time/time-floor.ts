/**
 * The time floor (docs/threat-model.md §"Time floor"): the agent never uses a time earlier
 * than the latest it has seen. Effective time = max(system clock, floor at boot + monotonic
 * time since boot, last time returned). When the system clock is behind, the agent says so
 * (a warning, rate-limited) and carries on from the floor; the floor is persisted atomically
 * at boot, periodically and on close, and the newest event time in the log also raises it.
 * Refusal (exit status 15) only when the floor cannot be read or written, or when the
 * operator set refuseClockBehindMs and the clock is further behind than that.
 */
import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomicSync } from '../../sdk/index.js';
import { isNoSpace } from '../storage/no-space.js';
import { AgentStartError } from '../errors.js';
import { EXIT_STATUS } from '../exit-status.js';
import type { Clock } from './clock.js';

export interface TimeFloorOptions {
  path: string;
  clock: Clock;
  /** A lower bound known from elsewhere (the newest event in the log), ms. */
  atLeastMs?: number;
  refuseClockBehindMs?: number;
  /** Told when the system clock is found behind the floor (at most once a minute). */
  onBehind?(behindMs: number, floorMs: number): void;
}

export class TimeFloor {
  private floorMs: number;
  private lastMs: number;
  private readonly bootFloorMs: number;
  private readonly bootMono: number;
  private lastWarnMono = -Infinity;
  /** How far the system clock was behind the floor at boot (0 when not). */
  readonly behindAtBootMs: number;
  /** The last write of the floor failed (a full disk); the floor in memory is still in force. */
  unsaved = false;

  private constructor(private readonly options: TimeFloorOptions, floorMs: number) {
    const { clock } = options;
    this.bootMono = clock.monotonicMs();
    this.bootFloorMs = floorMs;
    this.floorMs = floorMs;
    this.lastMs = floorMs;
    this.behindAtBootMs = Math.max(0, floorMs - clock.nowMs());
  }

  static open(options: TimeFloorOptions): TimeFloor {
    const stored = readFloor(options.path);
    const floor = new TimeFloor(options, Math.max(stored, options.atLeastMs ?? 0));
    const limit = options.refuseClockBehindMs;
    if (limit !== undefined && floor.behindAtBootMs > limit) {
      throw new AgentStartError(
        'START_CLOCK_BEHIND',
        EXIT_STATUS.clockBehind,
        `system clock is ${Math.round(floor.behindAtBootMs / 1000)} s behind the time floor ${new Date(floor.floorMs).toISOString()} (refuseClockBehindMs ${limit}); set the clock`,
      );
    }
    floor.nowMs();
    floor.persist(true);
    return floor;
  }

  /** Effective time in ms: never earlier than anything returned or persisted before. */
  nowMs(): number {
    const { clock } = this.options;
    const sys = clock.nowMs();
    const mono = clock.monotonicMs();
    const fromFloor = this.bootFloorMs + (mono - this.bootMono);
    const t = Math.max(sys, fromFloor, this.lastMs);
    if (sys < t - 1000 && mono - this.lastWarnMono >= 60_000) {
      this.lastWarnMono = mono;
      this.options.onBehind?.(t - sys, t);
    }
    this.lastMs = t;
    return t;
  }

  /** Effective time in whole seconds (what signed objects carry). */
  nowSeconds(): number {
    return Math.floor(this.nowMs() / 1000);
  }

  /** The persisted floor (ms). */
  get floor(): number {
    return this.floorMs;
  }

  /** Raises the floor to the latest time returned and writes it atomically. */
  persist(atBoot = false): void {
    const t = Math.max(this.lastMs, this.floorMs);
    if (!atBoot && t === this.floorMs) return;
    try {
      writeFileAtomicSync(this.options.path, JSON.stringify({ floorMs: t }) + '\n', { mode: 0o640 });
    } catch (err) {
      // A full disk at boot: the floor read is good and only rises in memory; the periodic
      // persist writes it once there is space. Any other failure means the file is unusable.
      if (atBoot && isNoSpace(err)) {
        this.unsaved = true;
        return;
      }
      if (!atBoot) {
        this.unsaved = true;
        throw err;
      }
      throw new AgentStartError('START_CLOCK_BEHIND', EXIT_STATUS.clockBehind, `time floor ${this.options.path} cannot be written (${(err as Error).message})`, { cause: err });
    }
    this.floorMs = t;
    this.unsaved = false;
  }
}

function readFloor(path: string): number {
  if (!existsSync(path)) return 0;
  let value: unknown;
  try {
    value = (JSON.parse(readFileSync(path, 'utf8')) as { floorMs?: unknown }).floorMs;
  } catch (err) {
    throw new AgentStartError(
      'START_CLOCK_BEHIND',
      EXIT_STATUS.clockBehind,
      `time floor ${path} is unreadable (${(err as Error).message}); the agent cannot know how far the clock may be behind (docs/operations.md §"Time floor")`,
      { cause: err },
    );
  }
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new AgentStartError('START_CLOCK_BEHIND', EXIT_STATUS.clockBehind, `time floor ${path}: expected {"floorMs": <ms>}, got ${JSON.stringify(value)}`);
  }
  return value;
}

/**
 * The state directory's health when its file system is full (docs/operations.md §"A full
 * disk"). The robot's identity does not stop for it: heartbeats, receipts and recall
 * verification go on, event submissions are refused with EVENT_LOG_FULL, and what could not be
 * written (the confirmed cursor, the lifecycle marker, a recall's record, the boot count, a chain
 * break) is kept in memory and written again here, every few seconds, until it succeeds. The
 * heartbeat and /v1/status say `storage: "full"` while anything is full or waiting to be written.
 */
import type { Logger } from '../logger.js';

export type StorageState = 'ok' | 'full';

export interface PendingWrite {
  /** What is waiting (for the log and /v1/status). */
  name: string;
  /** True while something is held in memory that the disk does not have yet. */
  pending(): boolean;
  /** Tries to write it; throws when it still cannot. */
  retry(): void | Promise<void>;
}

export const STORAGE_RETRY_MS = 5_000;

export class StorageHealth {
  private readonly signals: (() => boolean)[] = [];
  private readonly writes: PendingWrite[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private wasFull = false;

  constructor(private readonly log: Logger) {}

  /** A condition that means "full" while it holds (a log whose last write found no space). */
  addSignal(full: () => boolean): void {
    this.signals.push(full);
  }

  addPendingWrite(w: PendingWrite): void {
    this.writes.push(w);
  }

  get state(): StorageState {
    return this.signals.some((s) => s()) || this.writes.some((w) => w.pending()) ? 'full' : 'ok';
  }

  /** Names of the writes still waiting. */
  get waiting(): string[] {
    return this.writes.filter((w) => w.pending()).map((w) => w.name);
  }

  start(intervalMs = STORAGE_RETRY_MS): void {
    this.timer = setInterval(() => void this.retryAll(), intervalMs);
    this.timer.unref();
  }

  /** Tries every pending write once; logs the change between full and ok. */
  async retryAll(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (const w of this.writes) {
        if (!w.pending()) continue;
        try {
          await w.retry();
        } catch (err) {
          // Still no space: kept in memory, tried again next round.
          this.log.debug({ write: w.name, err: { code: (err as NodeJS.ErrnoException).code, message: (err as Error).message } }, 'pending write still failing');
        }
      }
      const full = this.state === 'full';
      if (full !== this.wasFull) {
        if (full) this.log.error({ waiting: this.waiting }, 'state directory full: events refused, identity and recalls go on');
        else this.log.warn('state directory writable again: everything held in memory is written');
        this.wasFull = full;
      }
    } finally {
      this.running = false;
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/**
 * The durable outbox (agent/outbox/types.ts; docs/protocol.md §"Delivery and receipts").
 * Stream 'event' is the event log itself; stream 'ack' is a second framed log of signed recall
 * acknowledgements. The only extra state is the confirmed cursor per stream, persisted
 * atomically (outbox.json). An entry stays pending until a platform receipt confirms it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { RetriedFile } from '../storage-health/retried-file.js';
import type { FramedLog } from '../storage/index.js';
import type { Outbox, PendingEntry, StreamName } from './types.js';

type Cursor = Record<StreamName, number>;

export class DurableOutbox implements Outbox {
  private cursor: Cursor;
  private serial: Promise<unknown> = Promise.resolve();
  /** The cursor's file: written at each confirmation, held in memory when the disk is full. */
  private readonly file: RetriedFile;
  private readonly appendListeners = new Set<(stream: StreamName) => void>();
  private readonly confirmListeners = new Set<(stream: StreamName, seq: number) => void>();

  constructor(
    private readonly logs: Record<StreamName, FramedLog>,
    private readonly cursorPath: string,
    /** The cursor as already read at start (read from `cursorPath` when not given). */
    cursor: Cursor = readCursor(cursorPath),
  ) {
    this.cursor = cursor;
    this.file = new RetriedFile(cursorPath, () => JSON.stringify(this.cursor) + '\n');
    for (const stream of ['event', 'ack'] as const) {
      logs[stream].onDurable(() => {
        for (const l of this.appendListeners) l(stream);
      });
    }
  }

  pending(stream: StreamName, afterSeq: number, limit: number): PendingEntry[] {
    const from = Math.max(afterSeq, this.cursor[stream]);
    return this.logs[stream].records(from, limit).map((r) => ({ stream, seq: r.seq, bytes: r.bytes }));
  }

  confirmed(stream: StreamName): number {
    return this.cursor[stream];
  }

  /** The log's head, or the confirmed cursor when the log lost entries the platform confirmed (their seqs are skipped). */
  head(stream: StreamName): number {
    return Math.max(this.logs[stream].head, this.cursor[stream]);
  }

  /** Monotonic; a receipt beyond the head is clamped to it (nothing unsent can be confirmed). */
  confirm(stream: StreamName, seq: number): Promise<void> {
    const target = Math.min(Math.floor(seq), this.logs[stream].head);
    if (!(target > this.cursor[stream])) return this.serial.then(() => undefined);
    // The cursor moves in memory at once, even when it cannot be written (a full disk): it only
    // saves resends, and the platform removes duplicates. It is written again by retrySave().
    // Written off the event loop; confirmations that arrive during a write share the next one.
    this.cursor = { ...this.cursor, [stream]: target };
    const saved = this.file.saveAsync();
    const run = this.serial.then(async () => {
      await saved;
      for (const l of this.confirmListeners) l(stream, target);
    });
    this.serial = run.catch(() => undefined);
    return run;
  }

  /** Resolves once every confirmation made so far is written (or held in memory, unsaved). */
  settled(): Promise<void> {
    return this.serial.then(() => undefined);
  }

  /** True while the cursor in memory is ahead of the one on disk. */
  get unsaved(): boolean {
    return this.file.unsaved;
  }

  /** Writes the cursor if the last write failed; throws while it still cannot. */
  retrySave(): void {
    this.file.retry();
  }

  depth(): number {
    return this.logs.event.countAfter(this.cursor.event) + this.logs.ack.countAfter(this.cursor.ack);
  }

  onAppend(listener: (stream: StreamName) => void): () => void {
    this.appendListeners.add(listener);
    return () => this.appendListeners.delete(listener);
  }

  /** Called after a confirmation is persisted (health: time of the last confirmation). */
  onConfirm(listener: (stream: StreamName, seq: number) => void): () => void {
    this.confirmListeners.add(listener);
    return () => this.confirmListeners.delete(listener);
  }

  /**
   * Appends one signed acknowledgement to the 'ack' stream. `make` receives the sequence the
   * ack will have (so it can sign it in); resolves once the ack is durable.
   */
  async appendAck(make: (seq: number) => Uint8Array | Promise<Uint8Array>): Promise<{ seq: number }> {
    const { seq } = await this.logs.ack.append(make);
    return { seq };
  }
}

/** The confirmed cursor as persisted (what the platform's receipts have named), per stream. */
export function readCursor(path: string): Cursor {
  if (!existsSync(path)) return { event: 0, ack: 0 };
  let raw: Partial<Cursor>;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8')) as Partial<Cursor>;
  } catch {
    // An unreadable cursor only costs resends: start from 0; the ingest removes duplicates.
    raw = {};
  }
  const n = (v: unknown): number => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : 0);
  return { event: n(raw.event), ack: n(raw.ack) };
}

/**
 * A durable append-only log of framed records with group commit. The event log and the
 * recall-acknowledgement log are both one of these.
 *
 * append(): under one serial section, assigns the next sequence, lets the caller build the
 * record for it, checks the disk cap and queues the frame; the returned promise resolves only
 * once the frame is written AND fdatasync'd. Appends that arrive while a flush is in progress
 * are written together by the next one (one write + one fdatasync for the whole batch).
 * If a write or fsync fails the log stops accepting (EVENT_LOG_IO) until the agent restarts and
 * boot recovery runs: after a failed fsync the page cache cannot be trusted.
 */
import { closeSync, existsSync, fdatasyncSync, ftruncateSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Fifo, fsyncDirectory } from '../../sdk/index.js';
import { EventLogError } from '../errors.js';
import { encodeFrameInto, FRAME_HEADER_BYTES, FRAME_MAX_PAYLOAD, readExactly } from './frame.js';
import type { FrameIndex } from './frame-index.js';
import { crc32Continue } from './crc32.js';
import { isNoSpace } from './no-space.js';
import { recoverLog, type RecoveryReport, type TrustedPrefix } from './recover.js';

/** Crash points for tests: a hook that throws stands for the process dying right there. */
export interface WriterFaults {
  beforeWrite?(batch: { path: string; offset: number; bytes: Buffer }): void;
  beforeFsync?(batch: { path: string; offset: number; bytes: Buffer }): void;
  afterFsync?(batch: { path: string; offset: number; bytes: Buffer }): void;
}

export interface FramedLogOptions {
  path: string;
  quarantineDir: string;
  /** The file never grows beyond this. */
  maxBytes: number;
  /** Bytes of maxBytes only appends with `reserve: true` may use. */
  reserveBytes: number;
  faults?: WriterFaults;
  /** What the records are, for error messages ("event log"). */
  what: string;
  /**
   * A prefix of the file known to be sound (the event log's checkpoint: its length and CRC-32).
   * When the file still starts with exactly those bytes, its frames are not checked one by one.
   */
  trustedPrefix?: TrustedPrefix;
  /**
   * Hears an exception thrown by an onDurable listener. The log itself goes on either way: its
   * next batch may already be in flight, and leaving it would let a later flush write over it.
   * Default: thrown again on its own (process.nextTick), so it is not lost.
   */
  onListenerError?(err: unknown): void;
}

export interface AppendOptions {
  /** May use the reserve (chain-break records, lifecycle orders). */
  reserve?: boolean;
  /** Called inside the serial section once the record is queued (before it is durable). */
  onQueued?(seq: number): void;
}

/**
 * A record whose size is known before its bytes are (the event log's entries signed on a
 * thread): the cap is checked against `length`, and only a record that passes is started,
 * in sequence order, so a refused record never reaches the signer's chain. The log writes a
 * batch once all its records' bytes have arrived; a record that fails to arrive, or arrives
 * with another length, stops the log like a failed write (EVENT_LOG_IO): later records were
 * already chained to it.
 */
export interface DeferredRecord {
  readonly length: number;
  start(): Promise<Uint8Array>;
}

export type MadeRecord = Uint8Array | DeferredRecord;

export interface Appended {
  seq: number;
  bytes: Uint8Array;
}

/**
 * Records just made durable stay in memory (views into the batch that was written), so the
 * outbox sender publishes what was just appended without reading it back from the file.
 */
const RECENT_MAX_RECORDS = 4096;
const RECENT_MAX_BYTES = 2 << 20;

interface Waiting {
  make(seq: number): MadeRecord | Promise<MadeRecord>;
  options: AppendOptions;
  resolve(a: Appended): void;
  reject(err: unknown): void;
}

interface Queued {
  seq: number;
  /** Set once known: at once for a plain record, when `pending` resolves for a deferred one. */
  bytes: Uint8Array | undefined;
  pending: Promise<Uint8Array> | undefined;
  length: number;
  resolve(a: Appended): void;
  reject(err: unknown): void;
}

export class FramedLog {
  /** Durable records in order: seq and where the frame is. */
  private readonly index: FrameIndex;
  private size: number;
  private queuedBytes = 0;
  private nextSeq: number;
  private queue: Queued[] = [];
  private flushing = false;
  /** Appends waiting for the serial section, oldest first. */
  private readonly waiting = new Fifo<Waiting>();
  private admitting = false;
  private failed: Error | undefined;
  private closed = false;
  private readonly listeners = new Set<(last: Appended) => void>();
  private readonly refusedListeners = new Set<() => void>();
  /** skipThrough's seq: new records never go at or below it. */
  private floorSeq = 0;
  /** When a write last failed for lack of space (undefined: the last write succeeded). */
  private fullSince: number | undefined;
  /** Payloads of index[recentFrom..], newest last. */
  private readonly recent = new Fifo<Uint8Array>();
  private recentFrom: number;
  private recentBytes = 0;

  private constructor(
    private readonly options: FramedLogOptions,
    private readonly fh: FileHandle,
    private readonly readFd: number,
    index: FrameIndex,
    size: number,
    private crc: number,
    readonly recovery: RecoveryReport,
  ) {
    this.index = index;
    this.size = size;
    this.nextSeq = this.head + 1;
    this.recentFrom = index.length;
  }

  /** Opens (creating when missing) and recovers the log; see recover.ts. */
  static async open(options: FramedLogOptions): Promise<FramedLog> {
    if (!existsSync(options.path)) {
      writeFileSync(options.path, new Uint8Array(0), { mode: 0o640, flag: 'wx' });
      fsyncDirectory(dirname(options.path));
    }
    const { index, size, report, checksum } = recoverLog(options.path, options.quarantineDir, options.trustedPrefix);
    const fh = await open(options.path, 'r+');
    const readFd = openSync(options.path, 'r');
    return new FramedLog(options, fh, readFd, index, size, checksum, report);
  }

  get path(): string {
    return this.options.path;
  }

  /** Highest durable seq (0: empty). */
  get head(): number {
    return this.index.lastSeq;
  }

  /** Bytes in the file (durable frames only). */
  get bytes(): number {
    return this.size;
  }

  /** CRC-32 of those bytes (what a checkpoint records as a trusted prefix). */
  get checksum(): number {
    return this.crc;
  }

  get failure(): Error | undefined {
    return this.failed;
  }

  /** The seq the next append gets. */
  get next(): number {
    return this.nextSeq;
  }

  /**
   * Makes the next append's seq `seq + 1` at least: seqs the unit signed once (a checkpoint or
   * a platform receipt names them) are never given to a new record, even when recovery lost
   * their frames. Only before anything is queued.
   */
  skipThrough(seq: number): void {
    if (this.queue.length > 0 || this.waiting.length > 0) throw new Error('FramedLog.skipThrough: records are queued');
    if (Number.isSafeInteger(seq) && seq >= this.nextSeq) {
      this.floorSeq = seq;
      this.nextSeq = seq + 1;
    }
  }

  /** The storage was full at the last write (cleared by the next write that succeeds). */
  get full(): boolean {
    return this.fullSince !== undefined;
  }

  /**
   * Called after a batch was refused because the file system was full and the file was put
   * back to its last durable size: every record queued was refused, and the next append gets
   * the first refused seq again (the event log rewinds its chain head here).
   */
  onRefused(listener: () => void): void {
    this.refusedListeners.add(listener);
  }

  /**
   * Durable records with seq > afterSeq, at most `limit`: the most recent from memory, older
   * ones read from the file. The bytes may be shared with other readers: never modify them.
   */
  records(afterSeq: number, limit: number): Appended[] {
    const out: Appended[] = [];
    for (let i = this.index.firstAfter(afterSeq); i < this.index.length && out.length < limit; i++) {
      out.push({ seq: this.index.seq(i), bytes: this.read(i) });
    }
    return out;
  }

  /** Number of durable records with seq > afterSeq. */
  countAfter(afterSeq: number): number {
    return this.index.length - this.index.firstAfter(afterSeq);
  }

  /** Where the frame of the durable record `seq` ends in the file, if it is there. */
  endOf(seq: number): number | undefined {
    const i = this.index.firstAfter(seq - 1);
    return i < this.index.length && this.index.seq(i) === seq ? this.index.offset(i) + this.index.size(i) : undefined;
  }

  /** The durable record with this seq, if present. */
  get(seq: number): Uint8Array | undefined {
    const i = this.index.firstAfter(seq - 1);
    return i < this.index.length && this.index.seq(i) === seq ? this.read(i) : undefined;
  }

  /** Called after each durable batch with its last record. Returns an unsubscribe function. */
  onDurable(listener: (last: Appended) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  append(make: (seq: number) => MadeRecord | Promise<MadeRecord>, options: AppendOptions = {}): Promise<Appended> {
    return new Promise<Appended>((resolve, reject) => {
      this.waiting.push({ make, options, resolve, reject });
      if (!this.admitting) void this.admit();
    });
  }

  /**
   * The serial section: one append at a time, in arrival order, builds its record (the event
   * log signs here), is checked against the cap and queued for the next group commit. Records
   * are built while the previous batch is being written and fdatasync'd.
   */
  private async admit(): Promise<void> {
    this.admitting = true;
    try {
      for (let w = this.waiting.shift(); w; w = this.waiting.shift()) {
        try {
          this.assertOpen();
          const seq = this.nextSeq;
          const made = await w.make(seq);
          this.assertOpen();
          const length = made.length;
          if (length > FRAME_MAX_PAYLOAD) throw new EventLogError('EVENT_TOO_LARGE', `${this.options.what}: record of ${length} bytes exceeds ${FRAME_MAX_PAYLOAD}`);
          const frameSize = FRAME_HEADER_BYTES + length;
          const limit = this.options.maxBytes - (w.options.reserve ? 0 : this.options.reserveBytes);
          if (this.size + this.queuedBytes + frameSize > limit) {
            throw new EventLogError(
              'EVENT_LOG_FULL',
              `${this.options.what} is full: ${this.size + this.queuedBytes} of ${limit} bytes used, a record of ${frameSize} bytes does not fit; raise the cap (docs/operations.md §"Disk policy")`,
            );
          }
          const plain = made instanceof Uint8Array;
          const q: Queued = { seq, bytes: plain ? made : undefined, pending: undefined, length, resolve: w.resolve, reject: w.reject };
          if (!plain) {
            q.pending = made.start().then((bytes) => {
              if (bytes.length !== length) throw new Error(`record ${seq} arrived with ${bytes.length} bytes, ${length} were announced`);
              q.bytes = bytes;
              return bytes;
            });
            q.pending.catch(() => undefined); // heard by flush(), which stops the log
          }
          this.nextSeq = seq + 1;
          this.queuedBytes += frameSize;
          this.queue.push(q);
          w.options.onQueued?.(seq);
          if (!this.flushing) void this.flush();
        } catch (err) {
          // Nothing queued for this append (or, when onQueued threw, its caller hears of it).
          w.reject(err);
        }
      }
    } finally {
      this.admitting = false;
    }
  }

  /** Resolves once every append made so far is durable or refused. */
  async settle(): Promise<void> {
    while (this.admitting || this.flushing || this.queue.length > 0) await new Promise((r) => setImmediate(r));
  }

  /** Waits for queued appends, then closes the files. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.settle();
    this.closed = true;
    await this.fh.close();
    closeSync(this.readFd);
  }

  private assertOpen(): void {
    if (this.failed) throw new EventLogError('EVENT_LOG_IO', `${this.options.what}: stopped after a write failure (${this.failed.message}); restart the agent`, { cause: this.failed });
    if (this.closed) throw new EventLogError('EVENT_LOG_CLOSED', `${this.options.what} is closed`);
  }

  /**
   * The group-commit loop. When a batch is durable, the next one (if its records are ready) is
   * written and its fdatasync issued before the durable batch's appenders and listeners run:
   * they re-append, sign and publish, and under a burst that took as long as the disk, so the
   * disk waited for them. Batches still become durable strictly in order, and nothing is
   * announced before its own fdatasync has returned.
   */
  private async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      let syncing: Promise<Queued[] | undefined> | undefined;
      while (!this.failed && (syncing || this.queue.length > 0)) {
        if (!syncing) {
          const first = this.queue[0]!;
          if (!first.bytes) {
            // A deferred record (signed on a thread): write as soon as it is there, together
            // with every record after it that is there too; the rest go in the next batch.
            try {
              await first.pending;
            } catch (err) {
              this.stop([], err, 'a record could not be made');
              return;
            }
          }
          syncing = this.writeBatch(this.takeReady());
        }
        const durable = await syncing;
        syncing = undefined;
        if (!durable) return; // stopped: the batch and everything queued were refused
        if (!this.failed && this.queue[0]?.bytes) syncing = this.writeBatch(this.takeReady());
        this.announce(durable);
      }
    } finally {
      this.flushing = false;
    }
  }

  /** The queued records at the head whose bytes are there (at least the first). */
  private takeReady(): Queued[] {
    let ready = 1;
    while (ready < this.queue.length && this.queue[ready]!.bytes) ready++;
    return this.queue.splice(0, ready);
  }

  /**
   * Writes one batch at the end of the file and fdatasyncs it; once durable, indexes it and
   * returns it (for announce). On a failure the log stops and the batch is refused (undefined).
   */
  private async writeBatch(batch: Queued[]): Promise<Queued[] | undefined> {
    let total = 0;
    for (const q of batch) total += FRAME_HEADER_BYTES + q.length;
    // The whole batch framed straight into one buffer: one copy of each record.
    const bytes = Buffer.allocUnsafe(total);
    const at = { path: this.options.path, offset: this.size, bytes };
    try {
      let pos = 0;
      for (const q of batch) {
        encodeFrameInto(bytes, pos, q.seq, q.bytes!);
        pos += FRAME_HEADER_BYTES + q.length;
      }
      this.options.faults?.beforeWrite?.(at);
      // Written on the event loop: a write into the page cache takes microseconds, far less
      // than a thread-pool round trip, which under load waits for a busy loop to come round
      // again. Only the fdatasync, which waits for the disk, goes to the thread pool.
      let off = 0;
      while (off < bytes.length) off += writeSync(this.fh.fd, bytes, off, bytes.length - off, this.size + off);
      this.options.faults?.beforeFsync?.(at);
      await this.fh.datasync();
      this.options.faults?.afterFsync?.(at);
    } catch (err) {
      if (isNoSpace(err) && this.rewind(batch, err)) return undefined;
      this.stop(batch, err, 'write failed');
      return undefined;
    }
    this.fullSince = undefined;
    let offset = this.size;
    let pos = 0;
    for (const q of batch) {
      const size = FRAME_HEADER_BYTES + q.length;
      this.index.push(q.seq, offset, size);
      this.remember(new Uint8Array(bytes.buffer, bytes.byteOffset + pos + FRAME_HEADER_BYTES, q.length));
      offset += size;
      pos += size;
    }
    this.size = offset;
    this.crc = crc32Continue(this.crc, bytes);
    this.queuedBytes -= bytes.length;
    return batch;
  }

  /**
   * A durable batch: its appenders hear of it, then the listeners with its last record. Never
   * throws: the flush loop that calls it may have the next batch in flight.
   */
  private announce(batch: Queued[]): void {
    const last = batch[batch.length - 1]!;
    for (const q of batch) q.resolve({ seq: q.seq, bytes: q.bytes! });
    for (const l of this.listeners) {
      try {
        l({ seq: last.seq, bytes: last.bytes! });
      } catch (err) {
        const report =
          this.options.onListenerError ??
          ((e: unknown) =>
            process.nextTick(() => {
              throw e;
            }));
        report(err);
      }
    }
  }

  /**
   * The file system is full: what this batch wrote is cut off again (back to the last durable
   * size, made durable), the batch and everything queued behind it are refused with
   * EVENT_LOG_FULL, and the log goes on: the next append tries again, so it resumes by itself
   * when space returns. False when even that fails (then the log stops as for any failure).
   */
  private rewind(batch: Queued[], err: unknown): boolean {
    try {
      ftruncateSync(this.fh.fd, this.size);
      fdatasyncSync(this.fh.fd);
    } catch {
      // The file cannot be put back: its state is unknown, so the log stops (the caller).
      return false;
    }
    this.fullSince ??= Date.now();
    const full = new EventLogError(
      'EVENT_LOG_FULL',
      `${this.options.what}: the file system is full (${(err as NodeJS.ErrnoException).code}); nothing in this batch was accepted; it resumes by itself once space is freed`,
      { cause: err },
    );
    const refused = [...batch, ...this.queue];
    this.queue = [];
    this.queuedBytes = 0;
    this.nextSeq = Math.max(this.head, this.floorSeq) + 1;
    for (const q of refused) q.reject(full);
    for (const l of this.refusedListeners) l();
    return true;
  }

  /** After a failed batch: nothing in it or queued behind it is accepted, and the log takes no more. */
  private stop(batch: Queued[], err: unknown, what: string): void {
    this.failed = err instanceof Error ? err : new Error(String(err));
    const io = new EventLogError('EVENT_LOG_IO', `${this.options.what}: ${what}, nothing in this batch was accepted (${this.failed.message})`, { cause: err });
    for (const q of [...batch, ...this.queue]) q.reject(io);
    this.queue = [];
  }

  private remember(payload: Uint8Array): void {
    this.recent.push(payload);
    this.recentBytes += payload.length;
    while (this.recent.length > RECENT_MAX_RECORDS || this.recentBytes > RECENT_MAX_BYTES) {
      this.recentBytes -= this.recent.shift()!.length;
      this.recentFrom++;
    }
  }

  /** The payload of index[i]: from memory when recent, else from the file. */
  private read(i: number): Uint8Array {
    if (i >= this.recentFrom) return this.recent.at(i - this.recentFrom)!;
    const at = this.index.offset(i);
    const len = this.index.size(i) - FRAME_HEADER_BYTES;
    const buf = Buffer.allocUnsafe(len);
    if (!readExactly(this.readFd, buf, len, at + FRAME_HEADER_BYTES)) throw new EventLogError('EVENT_LOG_FORMAT', `${this.options.what}: short read at ${at}`);
    return new Uint8Array(buf.buffer, buf.byteOffset, len);
  }
}

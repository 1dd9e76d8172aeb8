/**
 * The signed, hash-chained event log (docs/protocol.md §"Event log"). Each record is an event
 * (sdk eventKind) signed by the device key, naming SHA-256 of the previous record's bytes.
 * Storage, framing, group commit and boot recovery are the FramedLog's; this layer adds the
 * chain: it checks it on open, reports every break, and records each break it has not yet
 * recorded as a signed chain-break event (never by truncating the good tail).
 */
import {
  GENESIS_HASH,
  bytesEqual,
  decodeChainBreak,
  encodeChainBreak,
  entryHash,
  eventKind,
  openSign1,
  signEvent,
  toHex,
  EventSigningThread,
  isTransitionEvent,
  type ChainBreak,
  type EventKind,
  type EventPayload,
  type Signer,
} from '../../sdk/index.js';
import { EventLogError } from '../errors.js';
import { FramedLog, type Appended, type MadeRecord, type RecoveryReport, type WriterFaults } from '../storage/index.js';
import { CHECKPOINT_EVERY_BYTES, readCheckpoint, writeCheckpoint, type Checkpoint, type LifecycleEntry } from './checkpoint.js';

export interface EventInput {
  kind: EventKind;
  note?: string;
  technician?: string;
  order?: Uint8Array;
  data?: Uint8Array;
}

export interface LoggedEvent {
  seq: number;
  hash: Uint8Array;
  time: number;
  kind: EventKind;
  bytes: Uint8Array;
}

/** What the log keeps of a transition entry or one carrying an order (for the lifecycle replay). */
export type EntrySummary = LifecycleEntry;

function isLifecycleEntry(kind: EventKind, order: Uint8Array | undefined): boolean {
  return order !== undefined || isTransitionEvent(kind);
}

export interface EventLogOptions {
  path: string;
  quarantineDir: string;
  code: string;
  signer: Signer;
  maxBytes: number;
  reserveBytes: number;
  /** Seconds since the epoch, from the time floor. */
  now(): number;
  faults?: WriterFaults;
  /**
   * Sign on a worker thread during bursts (docs/key-handling.md §"The signing thread"): when
   * at least `backlog` appends are waiting behind one, it and the rest of the burst are signed
   * on the thread, which stops after `idleMs` without work. `false`: always on the event loop.
   * Default { backlog: 4, idleMs: 10000 }; signers whose key is not an in-memory node key
   * always sign on the event loop. `pays`, when given, is asked before a burst starts on the
   * thread (sdk/util/thread-pays.ts: only while the event loop is saturated and a core is idle).
   */
  signingThread?: false | { backlog?: number; idleMs?: number; pays?: () => boolean };
  /**
   * Where to keep the boot scan's checkpoint (checkpoint.ts), so that a start decodes only the
   * entries appended since; without it every open scans the whole chain.
   */
  checkpointPath?: string;
  /** Checkpoint again after this many new bytes of log (default CHECKPOINT_EVERY_BYTES, 4 MiB). */
  checkpointEveryBytes?: number;
  /**
   * The highest seq the unit is known to have signed from outside the log itself (the
   * platform's receipts, as the outbox keeps them). With the checkpoint's seq it is the floor
   * below which no new entry's seq may fall (docs/protocol.md §"Event log format", lost entries).
   */
  knownSeq?: number;
}

const DEFAULT_THREAD_BACKLOG = 4;

export interface EventAppendOptions {
  reserve?: boolean;
  /** Runs in the log's serial section before signing; throw to refuse (nothing is consumed). */
  check?(): void;
  /**
   * Runs in the serial section once the entry has its seq and place in the queue, before it is
   * durable. For an entry being signed on the signing thread, `hash` and `bytes` are not known
   * yet (zeros and empty); seq, time and kind always are.
   */
  onQueued?(event: LoggedEvent): void;
}

export interface Head {
  seq: number;
  hash: Uint8Array;
}

export class EventLog {
  private queuedHead: Head;
  private durableHead: Head;
  /** Appends called whose record has not been made yet. */
  private waiting = 0;
  /** Seq of the newest entry handed to the signing thread (0: none yet). */
  private threadSeq = 0;
  private readonly thread: EventSigningThread | undefined;
  private readonly threadBacklog: number;
  private readonly threadPays: () => boolean;
  /** Lifecycle entries found on open and queued since, in seq order (some not durable yet). */
  private readonly lifecycle: LifecycleEntry[];
  /** Keys of the breaks chain-break entries record: found on open, and queued since (by seq). */
  private readonly recorded: { seq: number; key: string }[];
  /** Where the file ended when the last checkpoint was written. */
  private checkpointEnd: number;
  private checkpointSeq: number;
  /** Why the last checkpoint could not be written (it is only a cache: the log goes on). */
  checkpointError: Error | undefined;
  /** The newest entry time found on open (seconds; 0 when empty). */
  private readonly lastTime: number;
  /** A refused batch must be forgotten before the next entry is signed. */
  private rewindPending = false;

  private constructor(
    private readonly framed: FramedLog,
    private readonly options: EventLogOptions,
    scan: ChainScan,
    /** Breaks found on open (including those already recorded). */
    readonly breaks: readonly ChainBreak[],
    private readonly unrecorded: ChainBreak[],
    /** Entries decoded on open: all of them, or those after the checkpoint. */
    readonly scanned: number,
    checkpointed: { seq: number; end: number },
  ) {
    this.queuedHead = scan.head;
    this.durableHead = scan.head;
    this.lifecycle = [...scan.lifecycle];
    this.lastTime = scan.lastTime;
    this.recorded = scan.recorded.map((key) => ({ seq: 0, key }));
    this.checkpointSeq = checkpointed.seq;
    this.checkpointEnd = checkpointed.end;
    const t = options.signingThread ?? {};
    this.thread = t === false ? undefined : EventSigningThread.for(options.signer, { idleMs: t.idleMs });
    this.threadBacklog = t === false ? Infinity : (t.backlog ?? DEFAULT_THREAD_BACKLOG);
    this.threadPays = (t !== false && t.pays) || (() => true);
    // A batch refused for lack of space: its seqs are given again, so the chain rewinds to the
    // durable head before the next entry is signed (append's make).
    framed.onRefused(() => {
      this.rewindPending = true;
    });
    framed.onDurable((last) => {
      // The hash of the batch's last entry was computed when it was signed (queuedHead then, or
      // its predecessor's prevHash later); recompute only when the queue has moved on.
      this.durableHead = { seq: last.seq, hash: last.seq === this.queuedHead.seq ? this.queuedHead.hash : entryHash(last.bytes) };
      if (this.options.checkpointPath && this.framed.bytes - this.checkpointEnd >= (this.options.checkpointEveryBytes ?? CHECKPOINT_EVERY_BYTES)) this.checkpoint(last.bytes);
    });
  }

  static async open(options: EventLogOptions): Promise<EventLog> {
    const held = options.checkpointPath ? readCheckpoint(options.checkpointPath) : undefined;
    const trustedPrefix = held?.crc !== undefined && held.code === options.code ? { end: held.end, crc: held.crc } : undefined;
    const framed = await FramedLog.open({ ...options, what: 'event log', trustedPrefix });
    const from = held && checkpointHolds(held, framed) ? held : undefined;
    // Seqs the unit signed once are never signed again, even when their frames are gone: a
    // checkpoint or a platform receipt naming a seq beyond what recovery kept proves entries
    // were lost (a cut or damaged tail), not that they never existed.
    const signedBefore = Math.max(options.knownSeq ?? 0, held && held.code === options.code ? held.seq : 0);
    const keptHead = framed.head;
    if (signedBefore > keptHead) framed.skipThrough(signedBefore);
    const scan = scanChain(framed, options.code, from);
    const recorded = new Set(scan.recorded);
    const byKey = new Map<string, ChainBreak>();
    for (const q of framed.recovery.damaged) {
      const b: ChainBreak = { afterSeq: q.afterSeq, beforeSeq: q.beforeSeq, reason: 'damaged-bytes', lostBytes: q.size, damageHash: Buffer.from(q.sha256, 'hex') };
      byKey.set(breakKey(b), b);
    }
    for (const b of scan.breaks) if (!byKey.has(breakKey(b))) byKey.set(breakKey(b), b);
    // The lost tail is recorded first, so that the chain-break naming it is the entry right
    // after the gap (its beforeSeq).
    const lost = signedBefore > keptHead ? lostTail(framed, scan.head.seq, signedBefore) : undefined;
    if (lost) byKey.delete(breakKey(lost));
    const breaks = lost ? [lost, ...byKey.values()] : [...byKey.values()];
    const log = new EventLog(framed, options, scan, breaks, breaks.filter((b) => !recorded.has(breakKey(b))), scan.scanned, from ?? { seq: 0, end: 0 });
    // What this scan learned, for the next start (only if it learned anything).
    if (options.checkpointPath && scan.head.seq > (from?.seq ?? 0)) log.checkpoint(framed.get(scan.head.seq)!);
    return log;
  }

  /**
   * Writes the checkpoint at the durable entry `bytes` (the newest durable one): the lifecycle
   * entries and recorded breaks up to it, all breaks found on open. Never throws: a checkpoint
   * that cannot be written only means a longer scan at the next start.
   */
  private checkpoint(bytes: Uint8Array): void {
    try {
      const ev = openSign1(eventKind, bytes).value;
      if (ev.seq <= this.checkpointSeq) return;
      const end = this.framed.endOf(ev.seq);
      if (end === undefined) return;
      writeCheckpoint(this.options.checkpointPath!, {
        code: this.options.code,
        seq: ev.seq,
        end,
        hash: entryHash(bytes),
        // The checkpoint is always at the durable head, so this is the CRC of the first `end` bytes.
        ...(end === this.framed.bytes ? { crc: this.framed.checksum } : {}),
        lastTime: ev.time,
        lifecycle: this.lifecycle.filter((e) => e.seq <= ev.seq),
        breaks: [...this.breaks],
        recorded: this.recorded.filter((r) => r.seq <= ev.seq).map((r) => r.key),
      });
      this.checkpointSeq = ev.seq;
      this.checkpointEnd = end;
      this.checkpointError = undefined;
    } catch (err) {
      this.checkpointError = err instanceof Error ? err : new Error(String(err));
    }
  }

  /** What boot recovery did to the file (torn tail cut, damage quarantined). */
  get recovery(): RecoveryReport {
    return this.framed.recovery;
  }

  /** The last durable entry: what heartbeats and the status report. */
  get head(): Head {
    return this.durableHead;
  }

  get bytes(): number {
    return this.framed.bytes;
  }

  get failure(): Error | undefined {
    return this.framed.failure;
  }

  /** Time of the newest sound entry found on open (seconds; 0 when empty). */
  get lastTimeOnOpen(): number {
    return this.lastTime;
  }

  /** Transition entries and those carrying an order, durable or queued, in order (the lifecycle replay's input). */
  get lifecycleEntries(): readonly EntrySummary[] {
    return this.lifecycle;
  }

  /** The underlying framed records (the outbox reads the 'event' stream from here). */
  get store(): FramedLog {
    return this.framed;
  }

  /** Appends a signed chain-break event for every break found on open not yet recorded. */
  async recordBreaks(): Promise<LoggedEvent[]> {
    const out: LoggedEvent[] = [];
    while (this.unrecorded.length > 0) {
      const b = this.unrecorded[0]!;
      out.push(await this.append({ kind: 'chain-break', data: encodeChainBreak(b) }, { reserve: true }));
      this.unrecorded.shift();
    }
    // Name the new head in the checkpoint at once: should the tail be lost again before a
    // receipt names it, the next start still knows these seqs were used.
    const last = out.at(-1);
    if (last && this.options.checkpointPath) this.checkpoint(last.bytes);
    return out;
  }

  /** Breaks found on open not yet recorded (a full disk refused them). */
  get breaksUnrecorded(): number {
    return this.unrecorded.length;
  }

  /** Whether the signing thread is running (it stops after idleMs without work). */
  get signingThreadRunning(): boolean {
    return this.thread?.running ?? false;
  }

  /**
   * Signs and appends one event; resolves once it is durable (fsync'd). Signed on the event
   * loop, or on the signing thread while a burst is queued (see `signingThread`): same bytes.
   */
  async append(input: EventInput, options: EventAppendOptions = {}): Promise<LoggedEvent> {
    let logged!: LoggedEvent;
    this.waiting++;
    let waiting = true;
    const made = (): void => {
      if (waiting) this.waiting--;
      waiting = false;
    };
    try {
      const appended = await this.framed.append(
        async (seq): Promise<MadeRecord> => {
          made();
          if (this.rewindPending) this.rewind();
          options.check?.();
          const time = this.options.now();
          const thread = this.thread;
          // A burst: others are waiting behind this append, or the thread is still busy (then
          // everything goes to it, so the chain never forks between the two ways of signing).
          if (thread && (thread.inFlight > 0 || (this.waiting >= this.threadBacklog && this.threadPays()))) {
            if (thread.inFlight === 0) thread.begin(this.chainHead().hash);
            const prepared = thread.prepare({ code: this.options.code, seq, time, ...input });
            logged = { seq, hash: GENESIS_HASH, time, kind: input.kind, bytes: new Uint8Array(0) };
            return {
              length: prepared.length,
              start: async () => {
                this.threadSeq = seq;
                const signed = await prepared.submit();
                logged.hash = signed.hash;
                return signed.message;
              },
            };
          }
          const payload: Omit<EventPayload, 'v'> = { code: this.options.code, seq, prevHash: this.chainHead().hash, time, ...input };
          const bytes = await signEvent(this.options.signer, payload);
          logged = { seq, hash: entryHash(bytes), time, kind: input.kind, bytes };
          return bytes;
        },
        {
          reserve: options.reserve,
          onQueued: (seq) => {
            if (seq !== this.threadSeq) this.queuedHead = { seq, hash: logged.hash };
            if (isLifecycleEntry(input.kind, input.order)) this.lifecycle.push({ seq, time: logged.time, kind: input.kind, ...(input.order ? { order: input.order } : {}) });
            if (input.kind === 'chain-break' && input.data) this.recorded.push({ seq, key: breakKey(decodeChainBreak(input.data)) });
            options.onQueued?.(logged);
          },
        },
      );
      logged.bytes = appended.bytes;
      return logged;
    } finally {
      made();
    }
  }

  /**
   * Forgets the entries of a refused batch (the disk was full): the next entry chains to the
   * durable head. Entries still being signed on the thread for that batch must finish first, or
   * the thread's chain and ours would differ; until then appends are refused as full too.
   */
  private rewind(): void {
    if (this.thread && this.thread.inFlight > 0) {
      throw new EventLogError('EVENT_LOG_FULL', 'event log: recovering from a full file system; try again in a moment');
    }
    this.queuedHead = this.durableHead;
    this.threadSeq = 0;
    const head = this.durableHead.seq;
    while (this.lifecycle.length > 0 && this.lifecycle[this.lifecycle.length - 1]!.seq > head) this.lifecycle.pop();
    while (this.recorded.length > 0 && this.recorded[this.recorded.length - 1]!.seq > head) this.recorded.pop();
    this.rewindPending = false;
  }

  /** Whether the last write failed for lack of space (cleared by the next one that succeeds). */
  get storageFull(): boolean {
    return this.framed.full;
  }

  /**
   * The entry the next one chains to. After a burst on the signing thread, once it has
   * answered everything, that is the thread's last entry.
   */
  private chainHead(): Head {
    const thread = this.thread;
    if (thread && this.threadSeq > this.queuedHead.seq && thread.inFlight === 0) {
      this.queuedHead = { seq: this.threadSeq, hash: thread.lastHash };
    }
    return this.queuedHead;
  }

  /** Durable entries after `afterSeq`, at most `limit`. */
  read(afterSeq: number, limit: number): Appended[] {
    return this.framed.records(afterSeq, limit);
  }

  async close(): Promise<void> {
    // A checkpoint at the durable head once everything queued has settled, before the files close.
    await this.framed.settle();
    if (this.options.checkpointPath && this.durableHead.seq > this.checkpointSeq && !this.framed.failure) {
      try {
        const bytes = this.framed.get(this.durableHead.seq);
        if (bytes) this.checkpoint(bytes);
      } catch (err) {
        this.checkpointError = err instanceof Error ? err : new Error(String(err));
      }
    }
    await this.framed.close();
    await this.thread?.close();
  }
}

/**
 * Whether the chain scan may skip what a checkpoint covers: recovery found those bytes to be
 * exactly the ones it covered (one CRC over them; only a checkpoint of this unit is offered as a
 * trusted prefix, and a prefix that matched had nothing cut out of it), and its entry is there,
 * ending where it did, with the same SHA-256. An entry replaced before it, even one with a
 * sound frame, makes the prefix differ: then everything is decoded and chain-checked again.
 */
function checkpointHolds(cp: Checkpoint, framed: FramedLog): boolean {
  if (framed.recovery.trustedBytes !== cp.end || framed.endOf(cp.seq) !== cp.end) return false;
  const bytes = framed.get(cp.seq);
  return bytes !== undefined && bytesEqual(entryHash(bytes), cp.hash);
}

/**
 * The break for entries lost at the end of the log: after the last sound entry, up to and
 * including `signedThrough`. The torn tail recovery quarantined, if any, is what is left of them.
 */
function lostTail(framed: FramedLog, afterSeq: number, signedThrough: number): ChainBreak {
  const torn = framed.recovery.tornTail;
  return {
    afterSeq,
    beforeSeq: signedThrough + 1,
    reason: 'lost-entries',
    lostBytes: torn?.size ?? 0,
    ...(torn ? { damageHash: Buffer.from(torn.sha256, 'hex') } : {}),
  };
}

function breakKey(b: { afterSeq: number; beforeSeq?: number }): string {
  return `${b.afterSeq}:${b.beforeSeq ?? '-'}`;
}

interface ChainScan {
  head: Head;
  lifecycle: LifecycleEntry[];
  lastTime: number;
  breaks: ChainBreak[];
  /** Keys of the breaks chain-break entries record. */
  recorded: string[];
  /** Entries decoded. */
  scanned: number;
}

/**
 * Walks the durable records after the checkpoint `from` (all of them without one): decodes
 * each, checks seq, code and the link to the one before. What the checkpoint says of the
 * entries before it is taken as found.
 */
function scanChain(framed: FramedLog, code: string, from?: Checkpoint): ChainScan {
  const lifecycle: LifecycleEntry[] = from ? [...from.lifecycle] : [];
  const breaks: ChainBreak[] = from ? [...from.breaks] : [];
  const recorded: string[] = from ? [...from.recorded] : [];
  let prev: Head = from ? { seq: from.seq, hash: from.hash } : { seq: 0, hash: GENESIS_HASH };
  let lastTime = from?.lastTime ?? 0;
  let scanned = 0;
  let pendingBad = false;
  const batch = 4096;
  for (let after = prev.seq; ; ) {
    const recs = framed.records(after, batch);
    if (recs.length === 0) break;
    for (const r of recs) {
      after = r.seq;
      scanned++;
      let ev: EventPayload;
      try {
        ev = openSign1(eventKind, r.bytes).value;
        if (ev.seq !== r.seq || ev.code !== code) throw new Error(`entry ${ev.seq} of ${ev.code} in frame ${r.seq}`);
      } catch {
        // A frame with a sound checksum but content that is not our event: treated as a
        // damaged entry; the break around it is reported at the next sound entry.
        pendingBad = true;
        continue;
      }
      const linked = ev.seq === prev.seq + 1 && bytesEqual(ev.prevHash, prev.hash);
      if (!linked || pendingBad) {
        breaks.push({ afterSeq: prev.seq, beforeSeq: ev.seq, reason: pendingBad ? 'undecodable-entry' : 'hash-mismatch', lostBytes: 0 });
      }
      pendingBad = false;
      if (ev.kind === 'chain-break' && ev.data) {
        try {
          recorded.push(breakKey(decodeChainBreak(ev.data)));
        } catch {
          // A chain-break whose data we cannot read explains nothing; the break it meant to
          // record is then recorded again, which is harmless.
        }
      }
      if (isLifecycleEntry(ev.kind, ev.order)) lifecycle.push({ seq: ev.seq, time: ev.time, kind: ev.kind, ...(ev.order ? { order: ev.order } : {}) });
      lastTime = ev.time;
      prev = { seq: ev.seq, hash: entryHash(r.bytes) };
    }
  }
  // Undecodable entries at the end: the next entry appended (the chain-break itself) is the
  // first sound one after them, so the break is named by that seq and found recorded next boot.
  if (pendingBad) breaks.push({ afterSeq: prev.seq, beforeSeq: framed.next, reason: 'undecodable-entry', lostBytes: 0 });
  return { head: prev, lifecycle, lastTime, breaks, recorded, scanned };
}

export function headHex(h: Head): { seq: number; hash: string } {
  return { seq: h.seq, hash: toHex(h.hash) };
}

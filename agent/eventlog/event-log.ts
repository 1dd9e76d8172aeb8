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
  type ChainBreak,
  type EventKind,
  type EventPayload,
  type Signer,
} from '../../sdk/index.js';
import { FramedLog, type Appended, type MadeRecord, type RecoveryReport, type WriterFaults } from '../storage/index.js';

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

/** What the boot scan keeps of each sound entry (for the lifecycle replay). */
export interface EntrySummary {
  seq: number;
  time: number;
  kind: EventKind;
  order?: Uint8Array;
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
   * always sign on the event loop.
   */
  signingThread?: false | { backlog?: number; idleMs?: number };
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

  private constructor(
    private readonly framed: FramedLog,
    private readonly options: EventLogOptions,
    head: Head,
    /** Sound entries found on open, in order. */
    readonly entries: readonly EntrySummary[],
    /** Breaks found on open (including those already recorded). */
    readonly breaks: readonly ChainBreak[],
    private readonly unrecorded: ChainBreak[],
  ) {
    this.queuedHead = head;
    this.durableHead = head;
    const t = options.signingThread ?? {};
    this.thread = t === false ? undefined : EventSigningThread.for(options.signer, { idleMs: t.idleMs });
    this.threadBacklog = t === false ? Infinity : (t.backlog ?? DEFAULT_THREAD_BACKLOG);
    framed.onDurable((last) => {
      // The hash of the batch's last entry was computed when it was signed (queuedHead then, or
      // its predecessor's prevHash later); recompute only when the queue has moved on.
      this.durableHead = { seq: last.seq, hash: last.seq === this.queuedHead.seq ? this.queuedHead.hash : entryHash(last.bytes) };
    });
  }

  static async open(options: EventLogOptions): Promise<EventLog> {
    const framed = await FramedLog.open({ ...options, what: 'event log' });
    const scan = scanChain(framed, options.code);
    const recorded = new Set(scan.recordedBreaks.map(breakKey));
    const byKey = new Map<string, ChainBreak>();
    for (const q of framed.recovery.damaged) {
      const b: ChainBreak = { afterSeq: q.afterSeq, beforeSeq: q.beforeSeq, reason: 'damaged-bytes', lostBytes: q.size, damageHash: Buffer.from(q.sha256, 'hex') };
      byKey.set(breakKey(b), b);
    }
    for (const b of scan.breaks) if (!byKey.has(breakKey(b))) byKey.set(breakKey(b), b);
    const breaks = [...byKey.values()];
    return new EventLog(framed, options, scan.head, scan.entries, breaks, breaks.filter((b) => !recorded.has(breakKey(b))));
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
    return this.entries.at(-1)?.time ?? 0;
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
    return out;
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
          options.check?.();
          const time = this.options.now();
          const thread = this.thread;
          // A burst: others are waiting behind this append, or the thread is still busy (then
          // everything goes to it, so the chain never forks between the two ways of signing).
          if (thread && (thread.inFlight > 0 || this.waiting >= this.threadBacklog)) {
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
    await this.framed.close();
    await this.thread?.close();
  }
}

function breakKey(b: { afterSeq: number; beforeSeq?: number }): string {
  return `${b.afterSeq}:${b.beforeSeq ?? '-'}`;
}

interface ChainScan {
  head: Head;
  entries: EntrySummary[];
  breaks: ChainBreak[];
  recordedBreaks: ChainBreak[];
}

/** Walks every durable record: decodes it, checks seq, code and the link to the one before. */
function scanChain(framed: FramedLog, code: string): ChainScan {
  const entries: EntrySummary[] = [];
  const breaks: ChainBreak[] = [];
  const recordedBreaks: ChainBreak[] = [];
  let prev: Head = { seq: 0, hash: GENESIS_HASH };
  let pendingBad = false;
  const batch = 4096;
  for (let after = 0; ; ) {
    const recs = framed.records(after, batch);
    if (recs.length === 0) break;
    for (const r of recs) {
      after = r.seq;
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
          recordedBreaks.push(decodeChainBreak(ev.data));
        } catch {
          // A chain-break whose data we cannot read explains nothing; the break it meant to
          // record is then recorded again, which is harmless.
        }
      }
      entries.push({ seq: ev.seq, time: ev.time, kind: ev.kind, order: ev.order });
      prev = { seq: ev.seq, hash: entryHash(r.bytes) };
    }
  }
  // Undecodable entries at the end: the next entry appended (the chain-break itself) is the
  // first sound one after them, so the break is named by that seq and found recorded next boot.
  if (pendingBad) breaks.push({ afterSeq: prev.seq, beforeSeq: framed.head + 1, reason: 'undecodable-entry', lostBytes: 0 });
  return { head: prev, entries, breaks, recordedBreaks };
}

export function headHex(h: Head): { seq: number; hash: string } {
  return { seq: h.seq, hash: toHex(h.hash) };
}

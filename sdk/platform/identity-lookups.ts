/**
 * How a running ingest learns a unit whose identity record was stored after it started
 * (docs/protocol.md §"Fleet ingest", docs/operations.md §"Units imported while workers run"):
 * a message of a code the ingest does not know is held, the code is looked up in the store, the
 * record found is verified exactly as the records loaded at start (StoreIdentities.learn), and
 * the held messages are then judged in the order they arrived. Nothing is stored or receipted
 * before the record verifies.
 *
 * The cost is bounded whatever a publisher sends (docs/threat-model.md, "a flood of unknown
 * codes"): the codes waiting are gathered into one query of at most `batch` codes, at most one
 * query is in flight, two queries start at least `intervalMs` apart, and past `maxWaiting` codes
 * or `maxHeld` messages held a message of an unknown unit is refused at once. A code found
 * absent, or whose stored record does not verify, is answered from memory for `negativeTtlMs`
 * (at most `negativeMax` codes, the oldest forgotten first; a reason and a message each, the
 * error made again when asked). Held messages are bounded in number and bytes. A failed query is not remembered:
 * its codes are refused for now (never receipted), and the units' resends look them up again.
 */
import { CODE_LENGTH } from '../code/layout.js';
import { MessageError } from '../errors.js';
import type { StoredIdentity } from './ingest-store.js';
import type { IngestLookup, IngestLookupQuery } from './events.js';

export interface IdentityLookupOptions {
  /** Least time between the starts of two queries (default 50 ms). */
  intervalMs?: number;
  /** Most codes in one query (default 500). */
  batch?: number;
  /** Most codes waiting for a query (default 2000); past it, an unknown unit's message is refused at once. */
  maxWaiting?: number;
  /** Most messages held while their codes are looked up (default 10000); past it, refused at once. */
  maxHeld?: number;
  /** Most bytes of messages held (default 16 MiB): a publisher picks the size of what it sends. */
  maxHeldBytes?: number;
  /** How long a code found absent or refused is answered from memory (default 30000 ms). */
  negativeTtlMs?: number;
  /** Most codes answered from memory (default 100000). */
  negativeMax?: number;
}

export const LOOKUP_DEFAULTS: Readonly<Required<IdentityLookupOptions>> = Object.freeze({
  intervalMs: 50,
  batch: 500,
  maxWaiting: 2000,
  maxHeld: 10_000,
  maxHeldBytes: 16 * 1024 * 1024,
  negativeTtlMs: 30_000,
  negativeMax: 100_000,
});

export interface LookupDeps {
  /** One query for the records of `codes` (IngestStore.lookupIdentities). */
  query(codes: readonly string[]): Promise<StoredIdentity[]>;
  /** Whether the ingest knows a record of `code` (in use, revoked, or not verifying). */
  known(code: string): boolean;
  /** Verifies a stored record as at start and keeps it when it verifies; the refusal otherwise. */
  learn(record: StoredIdentity): MessageError | undefined;
  /** Judges a held message again; `unknownBecause` explains a refusal as unknown (undefined: found). */
  judge(topic: string, payload: Uint8Array, unknownBecause: MessageError | undefined): void;
  lookup(l: IngestLookup): void;
  lookupQuery(q: IngestLookupQuery): void;
  /** Something threw while held messages were judged (a listener, a bug): reported, never swallowed. */
  failure(err: Error): void;
  now(): number;
}

interface Held {
  topic: string;
  payload: Uint8Array;
}

/** The codes of one query, and who waits for their messages to be judged. */
interface Batch {
  codes: string[];
  done: Promise<void>;
  resolve: () => void;
}

function newBatch(): Batch {
  let resolve!: () => void;
  const done = new Promise<void>((r) => (resolve = r));
  return { codes: [], done, resolve };
}

export class IdentityLookups {
  private readonly o: Required<IdentityLookupOptions>;
  /** The messages held per code waiting or in flight, in arrival order. */
  private readonly held = new Map<string, Held[]>();
  private heldCount = 0;
  private heldBytes = 0;
  /** Batches not started yet, oldest first, and the one in flight. */
  private readonly waiting: Batch[] = [];
  private inFlight: Batch | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** When the last query started (monotonic clock: the injected one may jump). */
  private lastStart = -Infinity;
  /** Codes answered from memory: the refusal and until when (insertion order is expiry order). */
  private readonly negative = new Map<string, { until: number; reason: MessageError['code']; message: string }>();
  private closed = false;

  constructor(
    private readonly deps: LookupDeps,
    options: IdentityLookupOptions = {},
  ) {
    this.o = { ...LOOKUP_DEFAULTS, ...options };
    for (const [k, v] of Object.entries(this.o)) if (!(Number.isInteger(v) && v >= 0)) throw new RangeError(`identity lookups: ${k}: expected an integer >= 0, got ${String(v)}`);
    if (this.o.batch < 1) throw new RangeError(`identity lookups: batch: expected at least 1, got ${this.o.batch}`);
  }

  /**
   * Whether the message is held for a lookup (the caller judges it later through `judge`).
   * Otherwise it is judged now; a code answered from memory gets its refusal from `why`.
   */
  hold(code: string, identityTopic: boolean, topic: string, payload: Uint8Array): boolean {
    if (this.closed) return false;
    const queue = this.held.get(code);
    // Behind a lookup under way, every message of the unit waits: its order is kept.
    if (queue) {
      if (this.full(payload)) return this.shed(code);
      queue.push({ topic, payload });
      this.heldCount++;
      this.heldBytes += payload.byteLength;
      return true;
    }
    // An identity message carries its record; a known unit, or a code no record can have, needs no query.
    if (identityTopic || code.length !== CODE_LENGTH || this.deps.known(code)) return false;
    if (this.why(code)) {
      this.deps.lookup({ code, outcome: 'cached' });
      return false;
    }
    const waitingCodes = this.waiting.reduce((n, b) => n + b.codes.length, 0);
    if (waitingCodes >= this.o.maxWaiting || this.full(payload)) return this.shed(code);
    this.held.set(code, [{ topic, payload }]);
    this.heldCount++;
    this.heldBytes += payload.byteLength;
    let last = this.waiting.at(-1);
    if (!last || last.codes.length >= this.o.batch) this.waiting.push((last = newBatch()));
    last.codes.push(code);
    this.schedule();
    return true;
  }

  /** The refusal remembered for `code` (absent, or its stored record refused), while it lasts. */
  why(code: string): MessageError | undefined {
    const n = this.negative.get(code);
    if (!n) return undefined;
    if (n.until > this.deps.now()) return new MessageError(n.reason, n.message);
    this.negative.delete(code);
    return undefined;
  }

  private full(payload: Uint8Array): boolean {
    return this.heldCount >= this.o.maxHeld || this.heldBytes + payload.byteLength > this.o.maxHeldBytes;
  }

  /** Too much is waiting: refused now as unknown (the unit resends), nothing queried. */
  private shed(code: string): false {
    this.deps.lookup({ code, outcome: 'shed' });
    return false;
  }

  private schedule(): void {
    if (this.closed || this.inFlight || this.timer || this.waiting.length === 0) return;
    const delay = Math.max(0, this.lastStart + this.o.intervalMs - performance.now());
    this.timer = setTimeout(() => this.run(), delay);
  }

  private run(): void {
    this.timer = undefined;
    const batch = this.waiting.shift();
    if (!batch || this.closed) return batch?.resolve();
    this.inFlight = batch;
    this.lastStart = performance.now();
    let found: StoredIdentity[] | undefined;
    let failure: Error | undefined;
    this.deps
      .query(batch.codes)
      .then(
        (rows) => void (found = rows),
        (err: unknown) => void (failure = err instanceof Error ? err : new Error(String(err))),
      )
      .then(() => {
        try {
          this.deps.lookupQuery({ codes: batch.codes.length, ok: !failure, ...(failure ? { error: failure } : {}) });
        } finally {
          this.settle(batch, found, failure);
        }
      })
      .catch((err: unknown) => this.deps.failure(err instanceof Error ? err : new Error(String(err))))
      .finally(() => {
        this.inFlight = undefined;
        batch.resolve();
        this.schedule();
      });
  }

  /** Learns what the query found, then judges each code's held messages in arrival order. */
  private settle(batch: Batch, rows: StoredIdentity[] | undefined, failure: Error | undefined): void {
    const byCode = new Map((rows ?? []).map((r) => [r.code, r]));
    for (const code of batch.codes) {
      // Released first: whatever happens below, no code stays held (its later messages would wait forever).
      const queue = this.held.get(code) ?? [];
      this.held.delete(code);
      this.heldCount -= queue.length;
      for (const m of queue) this.heldBytes -= m.payload.byteLength;
      try {
        const because = this.verdict(code, byCode.get(code), failure);
        if (!this.closed) for (const m of queue) this.deps.judge(m.topic, m.payload, because);
      } catch (err) {
        // The code's messages are dropped, never receipted: the unit resends them.
        this.deps.failure(err instanceof Error ? err : new Error(String(err)));
      }
    }
  }

  /** What the lookup of `code` found: undefined when its record is now known, else why it is not. */
  private verdict(code: string, row: StoredIdentity | undefined, failure: Error | undefined): MessageError | undefined {
    if (failure) {
      this.deps.lookup({ code, outcome: 'failed' });
      return new MessageError('MSG_UNKNOWN_UNIT', `no identity record known for ${code}: the store could not be read, refused for now`, { cause: failure });
    }
    if (!row) {
      this.deps.lookup({ code, outcome: 'absent' });
      return this.remember(code, new MessageError('MSG_UNKNOWN_UNIT', `no identity record known for ${code}, none in the store`));
    }
    const refused = this.deps.learn(row);
    if (refused && !this.deps.known(code)) {
      this.deps.lookup({ code, outcome: 'refused', reason: refused.code, message: refused.message });
      return this.remember(code, new MessageError(refused.code, `identity record of ${code} in the store passed over: ${refused.message}`, { cause: refused }));
    }
    this.deps.lookup({ code, outcome: 'found' });
    return undefined;
  }

  private remember(code: string, err: MessageError): MessageError {
    this.negative.delete(code);
    this.negative.set(code, { until: this.deps.now() + this.o.negativeTtlMs, reason: err.code, message: err.message });
    // The oldest first: they also expire first.
    for (const k of this.negative.keys()) {
      if (this.negative.size <= this.o.negativeMax) break;
      this.negative.delete(k);
    }
    return err;
  }

  /** Resolves when every message held at the call has been judged (later ones are not waited for). */
  async settled(): Promise<void> {
    await Promise.all([...(this.inFlight ? [this.inFlight.done] : []), ...this.waiting.map((b) => b.done)]);
  }

  /** Stops querying; messages still held are dropped (never receipted: the units resend). */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const b of this.waiting.splice(0)) b.resolve();
    this.held.clear();
    this.heldCount = 0;
    this.heldBytes = 0;
  }
}

/**
 * Worker threads that check Ed25519 signatures ahead of the ingest (docs/protocol.md §"Fleet
 * ingest", pre-verification). Each claim is a public key, the signed bytes and a signature,
 * built by the ingest's wiring (sdk/platform/preverify.ts); a thread answers whether node:crypto
 * verifies it, the very check the ingest would make (sdk/crypto/ed25519-node.ts). The answers
 * only spare the ingest a check (sdk/crypto/proven.ts): an answer that does not come, a thread
 * that dies, a refusal, all leave the claim to the ingest's own check, in order.
 *
 * The threads follow the event chain's signing thread (sdk/crypto/chain-thread.ts): an `eval`
 * worker whose whole program is below, with node's own modules only, so it runs from source,
 * from the esbuild bundle and from the single executable alike; claims go packed in one buffer,
 * as cloning an object per claim costs more than checking it. The buffer comes back with the
 * answers written into it and is used again: a thread allocates nothing per slice, so no
 * memory waits in it for a collection its tiny heap would rarely run (transferred buffers that
 * a thread drops are freed only then, which held tens of MiB per thread).
 */
import { Worker } from 'node:worker_threads';
import type { SignatureClaim, SignatureProof } from '../../sdk/index.js';

/**
 * The worker's program. A slice of `n` claims is one buffer: `n` pairs of 32-bit numbers (the
 * message's length; whether the key is long-lived, overwritten with the answer, 1 when the
 * signature verifies), then per claim the 32-byte key, the 64-byte signature and the message.
 * Whether the key is long-lived: an
 * enterprise key, kept imported; a unit's key goes to OpenSSL as a JWK each time, as the
 * ingest's own check does, so a thread holds no key per unit). Small-order keys (under which
 * OpenSSL accepts R = identity, S = 0) never reach a thread: PreVerifier makes no claim for
 * them, and the ingest checks the key again before it uses an answer (sdk/crypto/proven.ts).
 */
const WORKER_SOURCE = `
'use strict';
const { parentPort } = require('node:worker_threads');
const { verify, createPublicKey } = require('node:crypto');
const KEPT_MAX = 64;
const kept = new Map();
function keyOf(pk, keep) {
  const x = Buffer.from(pk.buffer, pk.byteOffset, 32).toString('base64url');
  const jwk = { kty: 'OKP', crv: 'Ed25519', x };
  if (!keep) return { key: jwk, format: 'jwk' };
  let k = kept.get(x);
  if (!k) {
    k = createPublicKey({ key: jwk, format: 'jwk' });
    if (kept.size >= KEPT_MAX) kept.delete(kept.keys().next().value);
    kept.set(x, k);
  }
  return k;
}
parentPort.on('message', (m) => {
  const { id, n, buffer } = m;
  const meta = new Int32Array(buffer, 0, 2 * n);
  const data = new Uint8Array(buffer, 8 * n);
  let pos = 0;
  for (let i = 0; i < n; i++) {
    const len = meta[2 * i];
    const pk = data.subarray(pos, pos + 32);
    const sig = data.subarray(pos + 32, pos + 96);
    const msg = data.subarray(pos + 96, pos + 96 + len);
    pos += 96 + len;
    let ok = 0;
    try {
      ok = verify(null, msg, keyOf(pk, meta[2 * i + 1] === 1), sig) ? 1 : 0;
    } catch {
      ok = 0;
    }
    meta[2 * i + 1] = ok;
  }
  parentPort.postMessage({ id, n, buffer }, [buffer]);
});
`;

/** Slices sent to one thread and not answered, at most. */
const IN_FLIGHT_SLICES = 2;

/** One message's claims and what to call with those proven true. */
interface Job {
  claims: SignatureClaim[];
  done: (proven: SignatureProof[]) => void;
}

interface Thread {
  worker: Worker;
  /** Batches sent and not answered, by id. */
  batches: Map<number, Job[]>;
  claims: number;
  /** Ends the thread when it answers nothing for `stallMs` while it has work. */
  watchdog?: NodeJS.Timeout;
}

export interface VerifyPoolOptions {
  /** Number of threads (at least 1). */
  threads: number;
  /** Claims sent to one thread in one message at most (default 256): answers come back in slices. */
  sliceClaims?: number;
  /** Threads replaced at most this many times a minute (default 20); beyond, their claims are the ingest's. */
  maxRestartsPerMinute?: number;
  /** A thread that answers nothing for this long while it has work is ended and replaced (default 10 s). */
  stallMs?: number;
}

export class VerifyPool {
  /** Started with the first claims sent: an ingest the threads never pay for runs none. */
  private readonly threads: (Thread | undefined)[] = [];
  private readonly count: number;
  private started = false;
  private outgoing: Job[] = [];
  private scheduled = false;
  private nextId = 1;
  private closed = false;
  private restarts: number[] = [];
  /** Buffers the threads gave back, for the next slices. */
  private readonly spare: ArrayBuffer[] = [];
  private readonly slice: number;
  private readonly maxRestarts: number;
  private readonly stallMs: number;
  /** Claims answered true, false, and left to the ingest (a thread died or none was running). */
  readonly stats = { proven: 0, refused: 0, unanswered: 0, restarts: 0 };

  constructor(options: VerifyPoolOptions) {
    if (!Number.isInteger(options.threads) || options.threads < 1) throw new RangeError(`verify pool: expected at least 1 thread, got ${options.threads}`);
    this.slice = options.sliceClaims ?? 256;
    this.maxRestarts = options.maxRestartsPerMinute ?? 20;
    this.stallMs = options.stallMs ?? 10_000;
    this.count = options.threads;
  }

  /** The running threads, none before the first claims (tests stop one to see nothing is lost). */
  get workers(): Worker[] {
    return this.threads.filter((t): t is Thread => t !== undefined).map((t) => t.worker);
  }

  /** Claims sent and not answered yet. */
  get inFlight(): number {
    let n = 0;
    for (const t of this.threads) n += t?.claims ?? 0;
    return n + this.outgoing.reduce((s, j) => s + j.claims.length, 0);
  }

  /**
   * Checks one message's claims; `done` gets those that verified (possibly none), always once,
   * and never synchronously.
   */
  submit(claims: SignatureClaim[], done: (proven: SignatureProof[]) => void): void {
    this.outgoing.push({ claims, done });
    if (!this.scheduled) {
      // Everything submitted in this turn of the event loop goes out together.
      this.scheduled = true;
      setImmediate(() => this.send());
    }
  }

  /** Stops the threads; claims not answered are left to the ingest. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.send();
    const threads = this.threads.splice(0);
    for (const t of threads) if (t) this.abandon(t);
    await Promise.all(threads.map((t) => t?.worker.terminate()));
  }

  private spawn(): Thread {
    const worker = new Worker(WORKER_SOURCE, { eval: true, name: 'robot-id verifier' });
    worker.unref();
    const thread: Thread = { worker, batches: new Map(), claims: 0 };
    worker.on('message', (m: { id: number; n: number; buffer: ArrayBuffer }) => this.answer(thread, m));
    // An error is followed by 'exit': the thread is replaced there.
    worker.on('error', () => undefined);
    worker.on('exit', () => this.lost(thread));
    return thread;
  }

  /** A thread ended (killed, crashed, out of memory): its claims go to the ingest, another takes its place. */
  private lost(thread: Thread): void {
    const at = this.threads.indexOf(thread);
    this.abandon(thread);
    if (at < 0 || this.closed) return;
    const now = Date.now();
    this.restarts = this.restarts.filter((t) => now - t < 60_000);
    if (this.restarts.length >= this.maxRestarts) {
      this.threads[at] = undefined;
      // What waits for a thread goes to those left, or to the ingest when none is.
      if (this.outgoing.length > 0) this.send();
      return;
    }
    this.restarts.push(now);
    this.stats.restarts++;
    this.threads[at] = this.spawn();
    if (this.outgoing.length > 0) this.send();
  }

  private abandon(thread: Thread): void {
    clearTimeout(thread.watchdog);
    thread.watchdog = undefined;
    const batches = [...thread.batches.values()];
    thread.batches.clear();
    thread.claims = 0;
    thread.worker.unref();
    for (const jobs of batches) for (const j of jobs) this.settle(j, undefined, 0);
  }

  /**
   * Sends what waits to the threads with room: at most two slices in flight per thread (one
   * checked, one waiting, so a thread never idles for a round trip). What does not fit waits for
   * the next answer and goes with what arrives meanwhile: a busy pool gets larger slices, whose
   * hand-off costs less per claim (one message each way, one wake-up), and an idle one answers at
   * once.
   */
  private send(): void {
    this.scheduled = false;
    if (this.outgoing.length === 0) return;
    if (!this.started && !this.closed) {
      this.started = true;
      for (let i = 0; i < this.count; i++) this.threads.push(this.spawn());
    }
    const live = this.threads.filter((t): t is Thread => t !== undefined);
    if (this.closed || live.length === 0) {
      const jobs = this.outgoing;
      this.outgoing = [];
      for (const j of jobs) this.settle(j, undefined, 0);
      return;
    }
    const open = live.filter((t) => t.batches.size < IN_FLIGHT_SLICES);
    if (open.length === 0) return;
    const jobs = this.outgoing;
    const total = jobs.reduce((s, j) => s + j.claims.length, 0);
    const per = Math.max(1, Math.min(this.slice, Math.ceil(total / open.length)));
    let from = 0;
    while (from < jobs.length) {
      // The thread with room and the fewest claims waiting takes the next slice.
      let thread: Thread | undefined;
      for (const t of open) if (t.batches.size < IN_FLIGHT_SLICES && (!thread || t.claims < thread.claims)) thread = t;
      if (!thread) break;
      let to = from;
      let claims = 0;
      while (to < jobs.length && (claims === 0 || claims + jobs[to]!.claims.length <= per)) claims += jobs[to++]!.claims.length;
      this.post(thread, jobs.slice(from, to), claims);
      from = to;
    }
    this.outgoing = jobs.slice(from);
  }

  private post(thread: Thread, jobs: Job[], claims: number): void {
    let size = 8 * claims;
    for (const j of jobs) for (const c of j.claims) size += 96 + c.message.length;
    const buffer = this.bufferOf(size);
    const meta = new Int32Array(buffer, 0, 2 * claims);
    const data = new Uint8Array(buffer, 8 * claims);
    let pos = 0;
    let i = 0;
    for (const j of jobs) {
      for (const c of j.claims) {
        // Claims are built for 32-byte keys and 64-byte signatures; anything else was never sent.
        data.set(c.publicKey, pos);
        data.set(c.signature, pos + 32);
        data.set(c.message, pos + 96);
        pos += 96 + c.message.length;
        meta[2 * i] = c.message.length;
        meta[2 * i + 1] = c.longLived ? 1 : 0;
        i++;
      }
    }
    const id = this.nextId++;
    thread.batches.set(id, jobs);
    thread.claims += claims;
    // Claims waiting keep the process alive; an idle pool never does.
    thread.worker.ref();
    thread.worker.postMessage({ id, n: claims, buffer }, [buffer]);
    this.watch(thread);
  }

  /** Arms the thread's watchdog while it has work: a thread that hangs is ended, its claims go to the ingest. */
  private watch(thread: Thread): void {
    clearTimeout(thread.watchdog);
    thread.watchdog = thread.batches.size > 0 ? setTimeout(() => void thread.worker.terminate(), this.stallMs) : undefined;
    thread.watchdog?.unref();
  }

  /** A buffer of at least `size` bytes: one a thread gave back, or a new one. */
  private bufferOf(size: number): ArrayBuffer {
    const at = this.spare.findIndex((b) => b.byteLength >= size);
    if (at >= 0) return this.spare.splice(at, 1)[0]!;
    let capacity = 64 << 10;
    while (capacity < size) capacity *= 2;
    return new ArrayBuffer(capacity);
  }

  private answer(thread: Thread, m: { id: number; n: number; buffer: ArrayBuffer }): void {
    const jobs = thread.batches.get(m.id);
    if (!jobs) return;
    thread.batches.delete(m.id);
    const meta = new Int32Array(m.buffer, 0, 2 * m.n);
    let i = 0;
    for (const j of jobs) {
      this.settle(j, meta, i);
      i += j.claims.length;
    }
    thread.claims -= i;
    // Kept for the next slices: as many as can be in flight, and one being filled.
    if (this.spare.length <= IN_FLIGHT_SLICES * this.threads.length) this.spare.push(m.buffer);
    if (thread.batches.size === 0) thread.worker.unref();
    this.watch(thread);
    if (this.outgoing.length > 0) this.send();
  }

  /** Calls the job back with the claims the answers (from claim `at` on) say verified; none without answers. */
  private settle(job: Job, answers: Int32Array | undefined, at: number): void {
    const proven: SignatureProof[] = [];
    job.claims.forEach((c, k) => {
      if (!answers) this.stats.unanswered++;
      else if (answers[2 * (at + k) + 1] === 1) {
        this.stats.proven++;
        proven.push(c);
      } else this.stats.refused++;
    });
    job.done(proven);
  }
}

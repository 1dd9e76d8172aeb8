/**
 * Signs a hash chain of messages on a worker thread, in order (docs/key-handling.md §"The
 * signing thread"). Each job is a message and its to-be-signed bytes, both with a 32-byte
 * hole where the previous message's SHA-256 goes; the thread fills the hole with the hash of
 * the message it signed before, signs, puts the signature in, hashes the result for the next
 * one and hands the finished message back. The chain stays strictly serial, as it must (each
 * entry names the hash of the one before, signature included), but it no longer runs on the
 * event loop: the caller frames, writes and publishes one batch while the next is signed.
 *
 * The thread knows nothing of CBOR or COSE (the caller builds both buffers, see
 * sdk/messages/event-chain.ts); it uses node:crypto only, so it runs from source, from the
 * esbuild bundle and from the single executable alike (an `eval` worker needs no file).
 *
 * Only signers whose key is an in-memory node KeyObject can use it (`threadSigningKey`); the
 * key object is cloned to the thread when it starts and dies with it. The thread is started
 * when a caller begins a burst and stopped after `idleMs` without work, so an idle agent
 * holds no second V8 isolate (about 11 MiB).
 */
import { Worker } from 'node:worker_threads';
import type { KeyObject } from 'node:crypto';
import { KeyError } from '../errors.js';
import { Fifo } from '../util/fifo.js';
import { threadSigningKey, type Signer } from './signer.js';

/** One message to sign; its bytes are copied into the batch sent to the thread. */
export interface ChainJob {
  toBeSigned: Uint8Array;
  message: Uint8Array;
  /** Where the previous message's SHA-256 goes in each buffer. */
  holeInToBeSigned: number;
  holeInMessage: number;
  /** Where the 64-byte signature goes in `message`. */
  signatureAt: number;
}

export interface ChainSigned {
  message: Uint8Array;
  /** SHA-256 of `message`: what the next message names. */
  hash: Uint8Array;
}

export interface ChainThreadOptions {
  /** Stop the thread after this long without work (default 10 s). */
  idleMs?: number;
}

/**
 * The worker's whole program. Plain JavaScript with no imports but node's own. Jobs arrive
 * packed (one buffer of bytes, one Int32Array of five numbers per job: to-be-signed length,
 * message length, the two holes, the signature's offset) because cloning an object per job
 * cost more than signing it; answers go back packed the same way, in slices, so the caller
 * writes the first entries while the rest are signed.
 */
const WORKER_SOURCE = `
'use strict';
const { parentPort } = require('node:worker_threads');
const { sign, createHash } = require('node:crypto');
const SLICE = 4;
let key;
let head;
parentPort.on('message', (m) => {
  if (m.type === 'begin') {
    if (m.key) key = m.key;
    head = m.head;
    return;
  }
  const { data, meta } = m;
  const jobs = meta.length / 5;
  let pos = 0;
  for (let from = 0; from < jobs; from += SLICE) {
    const n = Math.min(SLICE, jobs - from);
    let size = 0;
    for (let i = from; i < from + n; i++) size += meta[5 * i + 1];
    const out = new Uint8Array(size);
    const hashes = new Uint8Array(32 * n);
    let at = 0;
    try {
      for (let i = 0; i < n; i++) {
        const k = 5 * (from + i);
        const tbs = data.subarray(pos, pos + meta[k]);
        pos += meta[k];
        const msg = data.subarray(pos, pos + meta[k + 1]);
        pos += meta[k + 1];
        tbs.set(head, meta[k + 2]);
        msg.set(head, meta[k + 3]);
        msg.set(sign(null, tbs, key), meta[k + 4]);
        head = createHash('sha256').update(msg).digest();
        hashes.set(head, 32 * i);
        out.set(msg, at);
        at += msg.length;
      }
    } catch (err) {
      parentPort.postMessage({ type: 'failed', message: String((err && err.message) || err) });
      return;
    }
    parentPort.postMessage({ type: 'signed', out, hashes, lengths: meta.slice(5 * from, 5 * (from + n)) }, [out.buffer, hashes.buffer]);
  }
});
`;

interface Waiter {
  resolve(s: ChainSigned): void;
  reject(err: unknown): void;
}

/** `lengths` is the slice's part of the jobs' meta: five numbers per job, the message length second. */
type FromWorker = { type: 'signed'; out: Uint8Array; hashes: Uint8Array; lengths: Int32Array } | { type: 'failed'; message: string };

export class ChainSigningThread {
  private worker: Worker | undefined;
  private outgoing: ChainJob[] = [];
  private flushScheduled = false;
  /** Submitted and not yet answered, oldest first. */
  private readonly waiting = new Fifo<Waiter>();
  private idleTimer: NodeJS.Timeout | undefined;
  private failure: KeyError | undefined;
  private closed = false;
  private last: Uint8Array = new Uint8Array(32);
  private readonly idleMs: number;

  private constructor(
    private readonly key: KeyObject,
    options: ChainThreadOptions,
  ) {
    this.idleMs = options.idleMs ?? 10_000;
  }

  /** A signing thread for `signer`, or undefined when its key cannot be used from a thread. */
  static for(signer: Signer, options: ChainThreadOptions = {}): ChainSigningThread | undefined {
    const key = threadSigningKey(signer);
    return key ? new ChainSigningThread(key, options) : undefined;
  }

  /** Jobs submitted and not yet answered. */
  get inFlight(): number {
    return this.waiting.length;
  }

  /** Whether the worker is running (it stops after idleMs without work). */
  get running(): boolean {
    return this.worker !== undefined;
  }

  /** Hash of the newest message answered: the chain's head once nothing is in flight. */
  get lastHash(): Uint8Array {
    return this.last;
  }

  /** Sets the hash the next job chains to. Only between bursts: nothing may be in flight. */
  begin(head: Uint8Array): void {
    this.assertUsable();
    if (this.inFlight > 0) throw new RangeError('ChainSigningThread.begin: jobs are still in flight');
    if (head.length !== 32) throw new RangeError(`ChainSigningThread.begin: expected a 32-byte hash, got ${head.length} bytes`);
    this.last = Uint8Array.from(head);
    // The key goes to a thread once, when it starts; later bursts only move the head.
    const fresh = !this.worker;
    this.start().postMessage(fresh ? { type: 'begin', key: this.key, head: this.last } : { type: 'begin', head: this.last });
  }

  /** Queues one job after every job submitted before it; resolves with the signed message. */
  submit(job: ChainJob): Promise<ChainSigned> {
    try {
      this.assertUsable();
      if (!this.worker) throw new RangeError('ChainSigningThread.submit: call begin() first');
    } catch (err) {
      return Promise.reject(err);
    }
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    // Work in flight keeps the process alive; an idle thread never does.
    if (this.inFlight === 0) this.worker.ref();
    this.outgoing.push(job);
    if (!this.flushScheduled) {
      // Everything submitted in this turn of the event loop goes to the thread as one message.
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
    return new Promise<ChainSigned>((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  /** Stops the thread; jobs still in flight are refused with KEY_SIGNING_THREAD. */
  async close(): Promise<void> {
    this.closed = true;
    await this.stop(new KeyError('KEY_SIGNING_THREAD', 'signing thread: closed before the job was signed'));
  }

  private assertUsable(): void {
    if (this.failure) throw this.failure;
    if (this.closed) throw new KeyError('KEY_SIGNING_THREAD', 'signing thread: closed');
  }

  private start(): Worker {
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_SOURCE, { eval: true, name: 'robot-id chain signer' });
    worker.unref();
    worker.on('message', (m: FromWorker) => this.answer(m));
    worker.on('error', (err) => this.fail(`the thread threw (${err.message})`));
    worker.on('exit', (code) => {
      if (this.worker === worker) this.fail(`the thread exited (status ${code})`);
    });
    this.worker = worker;
    return worker;
  }

  private flush(): void {
    this.flushScheduled = false;
    const jobs = this.outgoing;
    this.outgoing = [];
    if (jobs.length === 0 || !this.worker) return;
    let size = 0;
    for (const j of jobs) size += j.toBeSigned.length + j.message.length;
    const data = new Uint8Array(size);
    const meta = new Int32Array(5 * jobs.length);
    let pos = 0;
    jobs.forEach((j, i) => {
      data.set(j.toBeSigned, pos);
      pos += j.toBeSigned.length;
      data.set(j.message, pos);
      pos += j.message.length;
      meta.set([j.toBeSigned.length, j.message.length, j.holeInToBeSigned, j.holeInMessage, j.signatureAt], 5 * i);
    });
    this.worker.postMessage({ type: 'jobs', data, meta }, [data.buffer, meta.buffer]);
  }

  private answer(m: FromWorker): void {
    if (m.type === 'failed') {
      this.fail(`signing failed (${m.message})`);
      return;
    }
    let at = 0;
    for (let i = 0; i < m.lengths.length / 5; i++) {
      const w = this.waiting.shift();
      if (!w) break;
      const length = m.lengths[5 * i + 1]!;
      this.last = m.hashes.subarray(32 * i, 32 * i + 32);
      w.resolve({ message: m.out.subarray(at, at + length), hash: this.last });
      at += length;
    }
    if (this.inFlight === 0 && this.worker) {
      this.worker.unref();
      this.idleTimer = setTimeout(() => void this.stopIfIdle(), this.idleMs);
      this.idleTimer.unref();
    }
  }

  private async stopIfIdle(): Promise<void> {
    if (this.inFlight === 0 && this.outgoing.length === 0) await this.stop(undefined);
  }

  private fail(why: string): void {
    if (this.failure) return;
    this.failure = new KeyError('KEY_SIGNING_THREAD', `signing thread: ${why}; restart the agent`);
    void this.stop(this.failure);
  }

  private async stop(reason: KeyError | undefined): Promise<void> {
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    const worker = this.worker;
    this.worker = undefined;
    this.outgoing = [];
    for (const w of this.waiting.drain()) w.reject(reason ?? new KeyError('KEY_SIGNING_THREAD', 'signing thread: stopped'));
    if (worker) await worker.terminate();
  }
}

/**
 * The device keys a unit had before its rekeys, as the ingest learned them from verified
 * `rekeyed` events (docs/protocol.md §"Device rekey", §"Fleet ingest"). Each rekey at event seq
 * N closes an epoch: entries with seq < N stay verified under the record in force before it,
 * N and later under the new one. Kept durably in `<dir>/rekeys.jsonl` (one JSON line per rekey,
 * appended and fdatasync'd after the store's own sync, before any receipt names the event).
 */
import { appendFileSync, closeSync, existsSync, fdatasyncSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bytesEqual } from '../cbor/index.js';
import type { VerifiedIdentity } from '../trust/verify-identity.js';

export const REKEYS_FILE = 'rekeys.jsonl';

export interface RekeyLine {
  code: string;
  /** Seq of the rekeyed event. */
  seq: number;
  /** Base64 of the record in force before it, and of the new one. */
  previous: string;
  record: string;
  /** The highest ack seq the previous key signed. */
  ackSeq: number;
}

interface Epoch {
  untilSeq: number;
  identity: VerifiedIdentity;
  ackSeq: number;
}

export class KeyEpochs {
  private readonly epochs = new Map<string, Epoch[]>();
  private pending: RekeyLine[] = [];

  /** Lines written before (each becomes an epoch once its records verify again: `restore`). */
  static read(dir: string): RekeyLine[] {
    const file = join(dir, REKEYS_FILE);
    if (!existsSync(file)) return [];
    const out: RekeyLine[] = [];
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      try {
        out.push(JSON.parse(line) as RekeyLine);
      } catch {
        // A torn last line (a crash inside the append): its rekey was not durable, and the unit
        // resends the event, which is learned again.
      }
    }
    return out;
  }

  constructor(private readonly dir: string | undefined) {}

  /** Whether `code` was ever rekeyed (otherwise every entry is judged under its one record). */
  rekeyed(code: string): boolean {
    return this.epochs.has(code);
  }

  /** Whether the rekey of `code` at `seq` is known. */
  has(code: string, seq: number): boolean {
    return (this.epochs.get(code) ?? []).some((e) => e.untilSeq === seq);
  }

  /** Records a rekey: `previous` verifies entries of `code` below `seq`. */
  add(code: string, seq: number, previous: VerifiedIdentity, next: VerifiedIdentity, ackSeq: number, persist = true): void {
    if (this.has(code, seq)) return;
    const list = this.epochs.get(code) ?? [];
    list.push({ untilSeq: seq, identity: previous, ackSeq });
    list.sort((a, b) => a.untilSeq - b.untilSeq);
    this.epochs.set(code, list);
    if (persist) this.pending.push({ code, seq, previous: Buffer.from(previous.bytes).toString('base64'), record: Buffer.from(next.bytes).toString('base64'), ackSeq });
  }

  /** The record an event of `code` at `seq` is verified under, or undefined for the current one. */
  forEvent(code: string, seq: number): VerifiedIdentity | undefined {
    return this.epochs.get(code)?.find((e) => seq < e.untilSeq)?.identity;
  }

  /**
   * An earlier record of `code` whose device key is `kid`, for an ack of `ackSeq`: only acks up to
   * the highest one that key signed (the announcement says which) count under it.
   */
  forAck(code: string, kid: Uint8Array, ackSeq: number): VerifiedIdentity | undefined {
    const e = this.epochs.get(code)?.find((x) => bytesEqual(x.identity.deviceKid, kid));
    return e && ackSeq <= e.ackSeq ? e.identity : undefined;
  }

  /** Appends the rekeys learned since the last call, durably. */
  persist(): void {
    if (!this.dir || this.pending.length === 0) return;
    const lines = this.pending.map((l) => JSON.stringify(l) + '\n').join('');
    const file = join(this.dir, REKEYS_FILE);
    appendFileSync(file, lines, { mode: 0o644 });
    const fd = openSync(file, 'r+');
    try {
      fdatasyncSync(fd);
    } finally {
      closeSync(fd);
    }
    this.pending = [];
  }
}

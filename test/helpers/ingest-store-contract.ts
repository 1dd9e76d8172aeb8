/**
 * The contract every IngestStore keeps (MQTT.js's abstractStoreTest habit): run against each
 * backend by its own test file with a `build` that gives a fresh, empty backing store.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sha256, newUnitMarks, type IngestStore, type StoredIdentity, type StoredRecord, type StoredRekey, type StoredStream } from '../../sdk/index.js';
import type { StoreReader } from '../../platform/store/reader.js';

export interface StoreBackend {
  /** Opens the backing store (again): what a restarted or a second worker sees. */
  open(): Promise<IngestStore>;
  reader(): StoreReader;
  /** Whether several processes may hold it open at once (PostgreSQL: yes; files: no). */
  shared: boolean;
  cleanup(): Promise<void>;
}

const CODE_A = 'CN-TEST-A';
const CODE_B = 'CN-TEST-B';

/** A chained run of entries of one stream (random bytes: a store keeps, it does not verify). */
export function chain(code: string, stream: StoredStream, n: number, from = 1): StoredRecord[] {
  const out: StoredRecord[] = [];
  let prev: Uint8Array = new Uint8Array(32);
  for (let seq = from; seq < from + n; seq++) {
    const bytes = new Uint8Array(randomBytes(40 + (seq % 7)));
    const hash = sha256(bytes);
    out.push({ code, stream, seq, hash, prevHash: prev, bytes });
    prev = hash;
  }
  return out;
}

/** What the ingest does with a verified entry: append it unless the marks hold it, then advance them. */
export function put(store: IngestStore, r: StoredRecord): boolean {
  const m = store.marks.get(r.code)?.[r.stream];
  if (m?.isDuplicate(r.seq)) return false;
  store.append(r);
  let unit = store.marks.get(r.code);
  if (!unit) store.marks.set(r.code, (unit = newUnitMarks()));
  unit[r.stream].record(r.seq, r, r.stream === 'event');
  return true;
}

/** A rekey announced by event `seq` of `code` (random records: a store keeps, it does not verify). */
export function rekeyAt(code: string, seq: number, ackSeq = 0): StoredRekey {
  return { code, seq, previous: new Uint8Array(randomBytes(90)), record: new Uint8Array(randomBytes(90)), ackSeq };
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
/** A rekey as plain values, for comparing what a store gives back with what was appended. */
export const rekeyView = (r: StoredRekey): { code: string; seq: number; previous: string; record: string; ackSeq: number } => ({
  code: r.code,
  seq: r.seq,
  previous: hex(r.previous),
  record: hex(r.record),
  ackSeq: r.ackSeq,
});

/** An identity record of `code` at `recordVersion` (random bytes: a store keeps, it does not verify). */
export function identityOf(code: string, recordVersion: number): StoredIdentity {
  return { code, record: new Uint8Array(randomBytes(120)), recordVersion };
}
const identityView = (i: StoredIdentity): { code: string; record: string; recordVersion: number } => ({ code: i.code, record: hex(i.record), recordVersion: i.recordVersion });

export function ingestStoreContract(name: string, build: () => Promise<StoreBackend>): void {
  describe(`IngestStore contract: ${name}`, () => {
    const withBackend = (fn: (b: StoreBackend) => Promise<void>) => async () => {
      const b = await build();
      try {
        await fn(b);
      } finally {
        await b.cleanup();
      }
    };

    it(
      'keeps nothing before commit, then every entry exactly as appended, in order',
      withBackend(async (b) => {
        const s = await b.open();
        const rs = chain(CODE_A, 'event', 5);
        for (const r of rs) put(s, r);
        expect(s.pendingCount).toBe(5);
        expect(await b.reader().records()).toEqual([]);
        expect(await s.commit()).toBe(5);
        expect(s.pendingCount).toBe(0);
        const got = await b.reader().records({ code: CODE_A });
        expect(got.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
        expect(got.map((r) => Buffer.from(r.bytes).toString('hex'))).toEqual(rs.map((r) => Buffer.from(r.bytes).toString('hex')));
        expect(Buffer.from(got[4]!.hash).equals(Buffer.from(rs[4]!.hash))).toBe(true);
        expect(s.committed(CODE_A)).toMatchObject({ event: 5, ack: 0 });
        expect(Buffer.from(s.committed(CODE_A)!.head!).equals(Buffer.from(rs[4]!.hash))).toBe(true);
        await s.close();
      }),
    );

    it(
      'stores an entry appended twice, or resent after its commit, once',
      withBackend(async (b) => {
        const s = await b.open();
        const [r1, r2] = chain(CODE_A, 'ack', 2);
        put(s, r1!);
        s.append(r1!);
        put(s, r2!);
        expect(await s.commit()).toBe(2);
        s.append(r1!);
        s.append(r2!);
        expect(await s.commit()).toBe(0);
        expect((await b.reader().records()).map((r) => `${r.stream}:${r.seq}`)).toEqual(['ack:1', 'ack:2']);
        await s.close();
      }),
    );

    it(
      'holds a hole open, fills it, keeps events and acks apart, and keeps it all across a reopen',
      withBackend(async (b) => {
        const s = await b.open();
        const ev = chain(CODE_A, 'event', 4);
        for (const r of [ev[0]!, ev[1]!, ev[3]!]) put(s, r);
        for (const r of chain(CODE_A, 'ack', 3)) put(s, r);
        for (const r of chain(CODE_B, 'event', 1)) put(s, r);
        await s.commit();
        expect(s.committed(CODE_A)).toMatchObject({ event: 2, ack: 3 });
        expect(s.committed(CODE_B)).toMatchObject({ event: 1, ack: 0 });
        await s.close();
        const again = await b.open();
        expect(again.committed(CODE_A)).toMatchObject({ event: 2, ack: 3 });
        expect(again.marks.get(CODE_A)!.event.isDuplicate(4)).toBe(true);
        expect(again.marks.get(CODE_A)!.event.isDuplicate(3)).toBe(false);
        put(again, ev[2]!);
        await again.commit();
        expect(again.committed(CODE_A)).toMatchObject({ event: 4 });
        expect(Buffer.from(again.committed(CODE_A)!.head!).equals(Buffer.from(ev[3]!.hash))).toBe(true);
        await again.close();
        expect((await b.reader().records({ code: CODE_A, stream: 'event' })).map((r) => r.seq).sort()).toEqual([1, 2, 3, 4]);
      }),
    );

    it(
      'names only what is durable while entries arrive during a commit, and those at the next',
      withBackend(async (b) => {
        const s = await b.open();
        const rs = chain(CODE_A, 'event', 4);
        put(s, rs[0]!);
        put(s, rs[1]!);
        const first = s.commit(new Set([CODE_A]));
        // Accepted while the commit runs: they belong to the next one.
        put(s, rs[2]!);
        put(s, rs[3]!);
        await first;
        const stored = new Set((await b.reader().records({ code: CODE_A, stream: 'event' })).map((r) => r.seq));
        const named = s.committed(CODE_A)!.event;
        expect(named).toBeGreaterThanOrEqual(2);
        for (let seq = 1; seq <= named; seq++) expect(stored.has(seq), `seq ${seq} named by committed() is stored`).toBe(true);
        const head = s.committed(CODE_A)!.head!;
        expect(Buffer.from(head).equals(Buffer.from(rs[named - 1]!.hash))).toBe(true);
        await s.commit(new Set([CODE_A]));
        expect(s.committed(CODE_A)).toMatchObject({ event: 4 });
        expect(Buffer.from(s.committed(CODE_A)!.head!).equals(Buffer.from(rs[3]!.hash))).toBe(true);
        await s.close();
      }),
    );

    it(
      'keeps a rekey only with its event, from the commit on, once, exactly as given, across a reopen',
      withBackend(async (b) => {
        const s = await b.open();
        expect(s.opened.rekeys).toEqual([]);
        const ev = chain(CODE_A, 'event', 6);
        for (const r of ev.slice(0, 4)) put(s, r);
        const rk = rekeyAt(CODE_A, 4, 2);
        s.appendRekey(rk);
        // Queued is not kept: before the commit nobody reads it.
        expect(await s.rekeys(CODE_A)).toEqual([]);
        await s.commit();
        expect((await s.rekeys(CODE_A)).map(rekeyView)).toEqual([rekeyView(rk)]);
        // Again (a resent announcement, a second verification): kept once, the first one stands.
        s.appendRekey({ ...rk, record: new Uint8Array(randomBytes(90)) });
        // A rekey whose event no commit stored (seq 6 was never appended): not kept.
        s.appendRekey(rekeyAt(CODE_A, 6));
        // One whose event is stored by an earlier commit: kept now.
        const late = rekeyAt(CODE_A, 2, 1);
        s.appendRekey(late);
        put(s, ev[4]!);
        await s.commit();
        expect((await s.rekeys(CODE_A)).map(rekeyView)).toEqual([rekeyView(late), rekeyView(rk)]);
        expect(await s.rekeys(CODE_B)).toEqual([]);
        await s.close();
        const again = await b.open();
        expect(again.opened.rekeys.map(rekeyView)).toEqual([rekeyView(late), rekeyView(rk)]);
        expect((await again.rekeys(CODE_A)).map((r) => r.seq)).toEqual([2, 4]);
        await again.close();
      }),
    );

    it(
      'commits a rekey with the event appended beside it, whatever their order in the batch',
      withBackend(async (b) => {
        const s = await b.open();
        const [e1] = chain(CODE_B, 'event', 1);
        const rk = rekeyAt(CODE_B, 1);
        s.appendRekey(rk);
        put(s, e1!);
        await s.commit();
        expect((await s.rekeys(CODE_B)).map(rekeyView)).toEqual([rekeyView(rk)]);
        expect(s.opened.rekeys).toEqual([]);
        await s.close();
      }),
    );

    it(
      'keeps one identity record per unit, committed with no entries, replaced only by a higher recordVersion',
      withBackend(async (b) => {
        const s = await b.open();
        expect(s.opened.identities).toEqual([]);
        const [a1, a2, a3, bOld] = [identityOf(CODE_A, 1), identityOf(CODE_A, 2), identityOf(CODE_A, 3), identityOf(CODE_B, 5)];
        s.appendIdentity(a2);
        s.appendIdentity(bOld);
        // Nothing is kept before the commit.
        expect(s.opened.identities).toEqual([]);
        expect(await s.commit()).toBe(0);
        // A lower or an equal version (other bytes) does not replace the kept record: no rollback.
        s.appendIdentity(a1);
        s.appendIdentity({ ...identityOf(CODE_B, 5) });
        await s.commit();
        await s.close();
        const again = await b.open();
        expect(again.opened.identities.map(identityView)).toEqual([identityView(a2), identityView(bOld)]);
        // A higher version replaces it; queued together, the highest wins whatever the order.
        again.appendIdentity(a3);
        again.appendIdentity(identityOf(CODE_A, 2));
        await again.commit();
        await again.close();
        const third = await b.open();
        expect(third.opened.identities.map(identityView)).toEqual([identityView(a3), identityView(bOld)]);
        await third.close();
      }),
    );

    it('shows the identity records one worker committed to a worker opened after, the higher version winning a race', async () => {
      const b = await build();
      try {
        if (!b.shared) return;
        const [w1, w2] = [await b.open(), await b.open()];
        const [v4, v7] = [identityOf(CODE_A, 4), identityOf(CODE_A, 7)];
        w1.appendIdentity(v7);
        w2.appendIdentity(v4);
        await Promise.all([w1.commit(), w2.commit()]);
        // Either order: the lower version never replaces the higher.
        w2.appendIdentity(v4);
        await w2.commit();
        const third = await b.open();
        expect(third.opened.identities.map(identityView)).toEqual([identityView(v7)]);
        await Promise.all([w1.close(), w2.close(), third.close()]);
      } finally {
        await b.cleanup();
      }
    });

    it('answers a lookup of codes with the records committed since it opened, by any worker, and only those asked', async () => {
      const b = await build();
      try {
        const w1 = await b.open();
        if (!b.shared) {
          // Every record a files store holds is read at open: it has no lookup.
          expect(w1.lookupIdentities).toBeUndefined();
          await w1.close();
          return;
        }
        const w2 = await b.open();
        expect(await w1.lookupIdentities!([CODE_A, CODE_B])).toEqual([]);
        const [a, bRec] = [identityOf(CODE_A, 3), identityOf(CODE_B, 1)];
        w2.appendIdentity(a);
        w2.appendIdentity(bRec);
        await w2.commit();
        expect((await w1.lookupIdentities!([CODE_A, 'CN-TEST-C'])).map(identityView)).toEqual([identityView(a)]);
        expect((await w1.lookupIdentities!([CODE_B, CODE_A])).map(identityView).sort((x, y) => (x.code < y.code ? -1 : 1))).toEqual([identityView(a), identityView(bRec)]);
        expect(await w1.lookupIdentities!([])).toEqual([]);
        await Promise.all([w1.close(), w2.close()]);
      } finally {
        await b.cleanup();
      }
    });

    it('shows a rekey one worker committed to every other at once, kept once when both verified it', async () => {
      const b = await build();
      try {
        if (!b.shared) return;
        const [w1, w2] = [await b.open(), await b.open()];
        const ev = chain(CODE_A, 'event', 3);
        for (const r of ev) put(w1, r);
        const rk = rekeyAt(CODE_A, 3, 1);
        w1.appendRekey(rk);
        await w1.commit();
        // The second worker never saw the event: its read after a key miss finds the rekey.
        expect((await w2.rekeys(CODE_A)).map(rekeyView)).toEqual([rekeyView(rk)]);
        // Both verify the resent announcement at once: the event and the rekey stay single.
        put(w2, ev[2]!);
        w2.appendRekey(rk);
        w1.appendRekey(rk);
        await Promise.all([w1.commit(), w2.commit()]);
        expect(await w1.rekeys(CODE_A)).toHaveLength(1);
        const third = await b.open();
        expect(third.opened.rekeys.map(rekeyView)).toEqual([rekeyView(rk)]);
        await Promise.all([w1.close(), w2.close(), third.close()]);
      } finally {
        await b.cleanup();
      }
    });

    it('passes over the entries of a unit whose rekey this worker has not met, until it reads it', async () => {
      const b = await build();
      try {
        if (!b.shared) return;
        const [w1, w2] = [await b.open(), await b.open()];
        const ev = chain(CODE_A, 'event', 5);
        for (const r of ev.slice(0, 3)) put(w1, r);
        w1.appendRekey(rekeyAt(CODE_A, 3));
        await w1.commit();
        // w2 judged these under the record it knew: not stored, handed back, its marks as committed.
        put(w2, ev[3]!);
        const [other] = chain(CODE_B, 'event', 1);
        put(w2, other!);
        expect(await w2.commit()).toBe(1);
        expect(w2.takeUnjudged().map((r) => `${r.code}:${r.seq}`)).toEqual([`${CODE_A}:4`]);
        expect(w2.takeUnjudged()).toEqual([]);
        expect(w2.marks.get(CODE_A)!.event.isDuplicate(4)).toBe(false);
        // Once it has read the unit's rekeys, the same entry is stored.
        await w2.rekeys(CODE_A);
        put(w2, ev[3]!);
        expect(await w2.commit()).toBe(1);
        expect(w2.takeUnjudged()).toEqual([]);
        expect(w2.committed(CODE_A)).toMatchObject({ event: 4 });
        // The worker that stored the rekey, and one opened after it, are never held back.
        put(w1, ev[4]!);
        expect(await w1.commit()).toBe(1);
        expect(w1.takeUnjudged()).toEqual([]);
        await Promise.all([w1.close(), w2.close()]);
      } finally {
        await b.cleanup();
      }
    });

    it('lets two workers store one unit at once: each entry once, both see the union', async () => {
      const b = await build();
      try {
        if (!b.shared) return;
        const [w1, w2] = [await b.open(), await b.open()];
        const rs = chain(CODE_A, 'event', 200);
        // Every entry to one worker or the other, a third to both (a resend after a lost receipt).
        rs.forEach((r, i) => {
          if (i % 3 !== 1) put(w1, r);
          if (i % 3 !== 0) put(w2, r);
        });
        const [n1, n2] = await Promise.all([w1.commit(), w2.commit()]);
        expect(n1 + n2).toBe(200);
        // A receipt owed by w1 alone names what both committed.
        await w1.commit(new Set([CODE_A]));
        expect(w1.committed(CODE_A)).toMatchObject({ event: 200 });
        const stored = await b.reader().records({ code: CODE_A });
        expect(stored.length).toBe(200);
        expect(new Set(stored.map((r) => r.seq)).size).toBe(200);
        await Promise.all([w1.close(), w2.close()]);
      } finally {
        await b.cleanup();
      }
    });
  });
}

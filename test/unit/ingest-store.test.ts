/**
 * The ingest's durable state: the framed store survives a crash at every byte of its last
 * frame (torn tail cut, nothing sound lost), marks rebuilt from the log equal the snapshot's,
 * and gaps and chain breaks are found where they are.
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StreamMark, sha256, type StoredRecord } from '../../sdk/index.js';
import { MARKS_FILE, STORE_FILE, openIngestState, scanStore } from '../../platform/index.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'rid-store-'));
  dirs.push(d);
  return d;
}

const CODE = '86123456789012345678901234567';
function chain(n: number): StoredRecord[] {
  const out: StoredRecord[] = [];
  let prev: Uint8Array = new Uint8Array(32);
  for (let seq = 1; seq <= n; seq++) {
    const bytes = new Uint8Array(Buffer.from(`entry ${seq}`));
    const hash = sha256(bytes);
    out.push({ code: CODE, stream: 'event', seq, hash, prevHash: prev, bytes });
    prev = hash;
  }
  return out;
}

function write(dir: string, records: StoredRecord[]): void {
  const st = openIngestState(dir);
  for (const r of records) st.store.append(r);
  st.store.flush();
  st.store.close();
}

describe('ingest store', () => {
  it('cuts a torn tail at every byte offset of the last frame and keeps the rest', () => {
    const dir = tmp();
    write(dir, chain(5));
    const file = join(dir, STORE_FILE);
    const full = readFileSync(file);
    const ends: number[] = [];
    scanStore(file, 0, (_r, end) => ends.push(end));
    expect(ends.length).toBe(5);
    for (let cut = ends[3]!; cut < ends[4]!; cut++) {
      writeFileSync(file, full.subarray(0, cut));
      const st = openIngestState(dir);
      expect(st.marks.get(CODE)!.event.contiguous).toBe(4);
      expect(st.truncated).toBe(cut - ends[3]!);
      st.store.close();
      expect(readFileSync(file).length).toBe(ends[3]);
    }
  });

  it('cuts a frame whose checksum fails', () => {
    const dir = tmp();
    write(dir, chain(3));
    const file = join(dir, STORE_FILE);
    const b = readFileSync(file);
    b[b.length - 1] ^= 0xff;
    writeFileSync(file, b);
    const st = openIngestState(dir);
    expect(st.marks.get(CODE)!.event.contiguous).toBe(2);
    st.store.close();
  });

  it('rebuilds the same marks from the log with or without a snapshot, and distrusts a snapshot ahead of the log', () => {
    const dir = tmp();
    const recs = chain(10);
    write(dir, [...recs.slice(0, 4), recs[6]!, recs[8]!]); // 1-4, 7, 9: holes at 5-6 and 8
    const a = openIngestState(dir);
    const fromLog = a.marks.get(CODE)!.event.toJSON();
    expect(fromLog.c).toBe(4);
    expect(fromLog.a.map((x) => x[0]).sort()).toEqual([7, 9]);
    a.store.close();
    // a snapshot written by a clean close (FleetIngest.close) is what a restart starts from
    writeFileSync(join(dir, MARKS_FILE), JSON.stringify({ format: 'robot-id-ingest-marks/1', offset: readFileSync(join(dir, STORE_FILE)).length, units: { [CODE]: { event: fromLog, ack: new StreamMark().toJSON() } } }));
    const b = openIngestState(dir);
    expect(b.replayed).toBe(0);
    expect(b.marks.get(CODE)!.event.toJSON()).toEqual(fromLog);
    b.store.close();
    // the log lost its tail after the snapshot (restored from an older copy): the log wins
    truncateSync(join(dir, STORE_FILE), 0);
    const c = openIngestState(dir);
    expect(c.marks.size).toBe(0);
    c.store.close();
    appendFileSync(join(dir, MARKS_FILE), 'garbage');
    const d = openIngestState(dir);
    expect(d.marks.size).toBe(0);
    d.store.close();
  });
});

describe('stream marks', () => {
  it('reports a hole once, fills it, and checks the chain as entries join', () => {
    const recs = chain(6);
    const m = new StreamMark();
    expect(m.record(1, recs[0]!, true)).toEqual({ from: 0, to: 1, breaks: [] });
    expect(m.record(4, recs[3]!, true).gap).toEqual({ from: 2, to: 3 });
    expect(m.record(3, recs[2]!, true).gap).toBeUndefined(); // inside the known hole
    expect(m.record(6, recs[5]!, true).gap).toEqual({ from: 5, to: 5 });
    expect(m.isDuplicate(4)).toBe(true);
    expect(m.isDuplicate(2)).toBe(false);
    const adv = m.record(2, recs[1]!, true);
    expect(adv).toEqual({ from: 1, to: 4, breaks: [] });
    // entry 5 re-signed by someone else: does not name entry 4's hash
    const forged = { hash: sha256(new Uint8Array([5])), prevHash: new Uint8Array(32).fill(1) };
    const brk = m.record(5, forged, true);
    expect(brk.to).toBe(6);
    expect(brk.breaks.map((b) => b.seq)).toEqual([5, 6]); // 6 names the real 5, not the forged one
  });
});

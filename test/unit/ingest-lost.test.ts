// Seqs a unit declares lost from its own log (a `lost-entries` chain-break) are passed over by
// the platform's sequence marks: reported as lost on the robot, never waited for as a gap.
import { describe, expect, it } from 'vitest';
import { StreamMark, sha256, type Linked } from '../../sdk/index.js';

/** Entries 1..n chained by hash; entry k's hash is sha256([k]). */
function chain(n: number): Linked[] {
  const out: Linked[] = [];
  let prev: Uint8Array = new Uint8Array(32);
  for (let k = 1; k <= n; k++) {
    const hash = sha256(new Uint8Array([k]));
    out.push({ hash, prevHash: prev });
    prev = hash;
  }
  return out;
}

/** Entry 11: a chain-break that links to entry 5 (the last the robot kept). */
function breakAfter5(recs: Linked[]): Linked {
  return { hash: sha256(new Uint8Array([11])), prevHash: recs[4]!.hash };
}

describe('stream marks: ranges declared lost on the robot', () => {
  it('the platform stored 1..10, the robot lost 6..10: entry 11 joins with no chain break', () => {
    const recs = chain(10);
    const m = new StreamMark();
    for (let k = 1; k <= 10; k++) m.record(k, recs[k - 1]!, true);
    const adv = m.record(11, breakAfter5(recs), true, { from: 6, to: 10 });
    expect(adv).toEqual({ from: 10, to: 11, breaks: [] });
    // Without the declaration the same entry is a chain break.
    const n = new StreamMark();
    for (let k = 1; k <= 10; k++) n.record(k, recs[k - 1]!, true);
    expect(n.record(11, breakAfter5(recs), true).breaks.map((b) => b.seq)).toEqual([11]);
  });

  it('the platform stored 1..5 only: 6..10 are passed over, not reported as a gap, and the run reaches 11', () => {
    const recs = chain(10);
    const m = new StreamMark();
    for (let k = 1; k <= 5; k++) m.record(k, recs[k - 1]!, true);
    const adv = m.record(11, breakAfter5(recs), true, { from: 6, to: 10 });
    expect(adv.gap).toBeUndefined();
    expect(adv).toMatchObject({ from: 5, to: 11, breaks: [] });
    expect(m.isDuplicate(8)).toBe(true);
    // The next entry chains to the chain-break as usual.
    const next = { hash: sha256(new Uint8Array([12])), prevHash: breakAfter5(recs).hash };
    expect(m.record(12, next, true)).toEqual({ from: 11, to: 12, breaks: [] });
  });

  it('out of order: the declaration arrives before entries 4 and 5; the run passes the lost range once they join', () => {
    const recs = chain(10);
    const m = new StreamMark();
    for (let k = 1; k <= 3; k++) m.record(k, recs[k - 1]!, true);
    const first = m.record(11, breakAfter5(recs), true, { from: 6, to: 10 });
    expect(first.to).toBe(3);
    expect(first.gap).toEqual({ from: 4, to: 5 }); // only what is really in transit
    m.record(4, recs[3]!, true);
    const adv = m.record(5, recs[4]!, true);
    expect(adv).toEqual({ from: 4, to: 11, breaks: [] });
    expect(m.above.size).toBe(0);
  });

  it('survives a snapshot: the lost ranges are kept in the marks JSON', () => {
    const recs = chain(10);
    const m = new StreamMark();
    for (let k = 1; k <= 3; k++) m.record(k, recs[k - 1]!, true);
    m.record(11, breakAfter5(recs), true, { from: 6, to: 10 });
    const back = StreamMark.fromJSON(JSON.parse(JSON.stringify(m.toJSON())));
    back.record(4, recs[3]!, true);
    expect(back.record(5, recs[4]!, true).to).toBe(11);
  });
});

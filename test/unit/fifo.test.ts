// The queue behind the event log's admission, its in-memory tail and the signing thread's
// waiters: order and contents must survive the front being cut off.
import { describe, expect, it } from 'vitest';
import { Fifo } from '../../sdk/index.js';

describe('Fifo', () => {
  it('keeps order, length and positions across many cuts of the consumed front', () => {
    const q = new Fifo<number>();
    let next = 0;
    let expected = 0;
    // Interleaved pushes and shifts, so the front is cut while items are queued behind it.
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 300; i++) q.push(next++);
      for (let i = 0; i < 250; i++) expect(q.shift()).toBe(expected++);
      expect(q.length).toBe(next - expected);
      expect(q.at(0)).toBe(expected);
      expect(q.at(q.length - 1)).toBe(next - 1);
    }
    expect(q.at(-1)).toBeUndefined();
    expect(q.at(q.length)).toBeUndefined();
    const rest = q.drain();
    expect(rest).toEqual(Array.from({ length: next - expected }, (_, i) => expected + i));
    expect(q.length).toBe(0);
    expect(q.shift()).toBeUndefined();
  });
});

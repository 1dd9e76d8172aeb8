/**
 * Entries a unit declares lost from its own log (docs/protocol.md §"Event log format", lost
 * entries): a `lost-entries` chain-break whose beforeSeq is its own seq names the seqs
 * afterSeq+1 .. beforeSeq-1 as signed once and gone from the robot. The platform passes over
 * them instead of waiting for them forever, and reports them as lost on the robot.
 */
import { openSign1 } from '../cose/object.js';
import { decodeChainBreak, eventKind, type EventPayload } from '../messages/event.js';
import type { LostRange, StreamMark } from './marks.js';

/** The range an event declares lost, if it is such a chain-break (anything else: undefined). */
export function declaredLost(value: object): LostRange | undefined {
  const ev = value as Partial<EventPayload>;
  if (ev.kind !== 'chain-break' || !ev.data || typeof ev.seq !== 'number') return undefined;
  let b;
  try {
    b = decodeChainBreak(ev.data);
  } catch {
    // Unreadable break data declares nothing; the entry is stored like any other.
    return undefined;
  }
  if (b.reason !== 'lost-entries' || b.beforeSeq !== ev.seq || b.afterSeq + 1 > ev.seq - 1) return undefined;
  return { from: b.afterSeq + 1, to: ev.seq - 1 };
}

/**
 * The range a stored event declares lost, from its bytes (verified when stored; decoded again
 * only where marks are rebuilt from a store).
 */
export function storedLost(bytes: Uint8Array): LostRange | undefined {
  try {
    return declaredLost(openSign1(eventKind, bytes).value);
  } catch {
    // Stored bytes that no longer decode declare nothing; the run treats them as any entry.
    return undefined;
  }
}

/** How many seqs of `r` the mark already holds (stored before the unit lost them). */
export function countStored(mark: StreamMark, r: LostRange): number {
  let n = Math.max(0, Math.min(r.to, mark.contiguous) - r.from + 1);
  for (const s of mark.above.keys()) if (s >= r.from && s <= r.to && s > mark.contiguous) n++;
  return n;
}

/**
 * The ingest's durable state in its directory (docs/protocol.md §"Fleet ingest"):
 *   messages.log   every stored event and ack, framed (store.ts): the truth;
 *   marks.json     a snapshot of the sequence marks and the log offset it covers.
 * On open the snapshot is loaded and the log replayed from its offset (a missing or damaged
 * snapshot means a replay from the start), so marks survive restarts with no duplicates and
 * no false gaps, and never claim more than the log holds.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StreamMark, newUnitMarks, storedLost, writeFileAtomic, writeFileAtomicSync, type MarkJson, type UnitMarks } from '../../../sdk/index.js';
import { MessageStore, scanStore } from './message-log.js';

export const MARKS_FORMAT = 'robot-id-ingest-marks/1';
export const STORE_FILE = 'messages.log';
export const MARKS_FILE = 'marks.json';

interface MarksSnapshot {
  format: string;
  offset: number;
  units: Record<string, { event: MarkJson; ack: MarkJson }>;
}

export interface OpenedState {
  store: MessageStore;
  marks: Map<string, UnitMarks>;
  /** Records replayed from the log at open. */
  replayed: number;
  /** Bytes of torn tail cut off the log at open. */
  truncated: number;
}

function loadSnapshot(file: string): MarksSnapshot | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const s = JSON.parse(readFileSync(file, 'utf8')) as MarksSnapshot;
    return s.format === MARKS_FORMAT && Number.isSafeInteger(s.offset) ? s : undefined;
  } catch {
    // A damaged snapshot is only a cache: replaying the whole log rebuilds it.
    return undefined;
  }
}

export function openIngestState(dir: string): OpenedState {
  mkdirSync(dir, { recursive: true, mode: 0o750 });
  const storeFile = join(dir, STORE_FILE);
  let snap = loadSnapshot(join(dir, MARKS_FILE));
  const marks = new Map<string, UnitMarks>();
  let replayed = 0;
  const replay = (from: number): number =>
    scanStore(storeFile, from, (r) => {
      let m = marks.get(r.code);
      if (!m) marks.set(r.code, (m = newUnitMarks()));
      const mark = m[r.stream];
      if (!mark.isDuplicate(r.seq)) mark.record(r.seq, r, false, r.stream === 'event' ? storedLost(r.bytes) : undefined);
      replayed++;
    });
  if (snap) {
    for (const [code, u] of Object.entries(snap.units)) marks.set(code, { event: StreamMark.fromJSON(u.event), ack: StreamMark.fromJSON(u.ack) });
  }
  let end = replay(snap?.offset ?? 0);
  if (snap && end < snap.offset) {
    // The log is shorter than the snapshot says (restored from an older copy): trust the log.
    marks.clear();
    replayed = 0;
    snap = undefined;
    end = replay(0);
  }
  const store = new MessageStore(storeFile, end);
  return { store, marks, replayed, truncated: store.truncated };
}

/** The marks snapshot of `marks` covering the log up to `offset`, as written. */
export function snapshotOf(offset: number, marks: Map<string, UnitMarks>): string {
  const units: MarksSnapshot['units'] = {};
  for (const [code, m] of marks) units[code] = { event: m.event.toJSON(), ack: m.ack.toJSON() };
  return JSON.stringify({ format: MARKS_FORMAT, offset, units } satisfies MarksSnapshot);
}

/** Writes a snapshot made by snapshotOf, atomically, off the event loop. */
export function saveSnapshotText(dir: string, snapshot: string): Promise<void> {
  return writeFileAtomic(join(dir, MARKS_FILE), snapshot);
}

export function saveSnapshot(dir: string, offset: number, marks: Map<string, UnitMarks>): void {
  writeFileAtomicSync(join(dir, MARKS_FILE), snapshotOf(offset, marks));
}

/**
 * The event log's checkpoint (docs/protocol.md §"Event log format"): what the boot scan of the
 * chain learned up to one entry, so that the next boot decodes only the entries after it. A
 * robot's log holds up to `maxLogBytes` (64 MiB, about 250,000 entries); decoding and hashing
 * every one of them took 2.7 s and kept 40 MiB at each start (docs/performance.md).
 *
 *   <state>/events.checkpoint.json   { v, code, seq, end, hash, crc, lastTime, lifecycle, breaks, recorded }
 *
 * It is only a cache. When the file still starts with exactly the bytes it covered (one CRC-32
 * over them, `crc`), boot recovery reads only their frame headers and checks every frame after
 * them; otherwise it checks every frame. The chain scan uses it only when that prefix matched
 * and the entry it names is still there, at the same place, with the same SHA-256. Anything
 * else (missing, unreadable, another unit's, a log restored from an older copy, a changed
 * entry) means a full scan, which then writes a new one.
 * Written atomically after a boot scan, every `CHECKPOINT_EVERY_BYTES` of new log and at close.
 */
import { existsSync, readFileSync } from 'node:fs';
import { CHAIN_BREAK_REASONS, EVENT_KINDS, fromHex, toHex, writeFileAtomicSync, type ChainBreak, type EventKind } from '../../sdk/index.js';

export const CHECKPOINT_FORMAT = 1;
/** Checkpoint again after this many new bytes of log (about 16,000 entries). */
export const CHECKPOINT_EVERY_BYTES = 4 << 20;

/** An entry the lifecycle replay needs: a transition, or one carrying a signed order. */
export interface LifecycleEntry {
  seq: number;
  time: number;
  kind: EventKind;
  order?: Uint8Array;
}

export interface Checkpoint {
  code: string;
  /** The last entry covered, where its frame ends in the file, and its SHA-256. */
  seq: number;
  end: number;
  hash: Uint8Array;
  /** CRC-32 of the file's first `end` bytes: while the file starts with exactly those, boot recovery need not check their frames one by one. */
  crc?: number;
  /** Time of that entry (the newest time in the log up to it). */
  lastTime: number;
  lifecycle: LifecycleEntry[];
  /** Chain breaks found up to it, and the keys of those a chain-break entry records. */
  breaks: ChainBreak[];
  recorded: string[];
}

interface CheckpointJson {
  v: number;
  code: string;
  seq: number;
  end: number;
  hash: string;
  crc?: number;
  lastTime: number;
  lifecycle: { seq: number; time: number; kind: EventKind; order?: string }[];
  breaks: (Omit<ChainBreak, 'damageHash'> & { damageHash?: string })[];
  recorded: string[];
}

const uint = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const hex = (v: unknown): boolean => typeof v === 'string' && /^([0-9a-f]{2})*$/.test(v);
const BREAK_REASONS: readonly string[] = CHAIN_BREAK_REASONS;

/** Every field of every entry of the shape a checkpoint writes (anything else: not ours, or damaged). */
function wellFormed(j: CheckpointJson): boolean {
  if (j.v !== CHECKPOINT_FORMAT || !uint(j.seq) || j.seq < 1 || !uint(j.end) || typeof j.code !== 'string' || !uint(j.lastTime)) return false;
  if (j.crc !== undefined && !uint(j.crc)) return false;
  if (!Array.isArray(j.lifecycle) || !Array.isArray(j.breaks) || !Array.isArray(j.recorded)) return false;
  const lifecycleOk = j.lifecycle.every((e) => uint(e?.seq) && uint(e.time) && (EVENT_KINDS as readonly string[]).includes(e.kind) && (e.order === undefined || hex(e.order)));
  const breaksOk = j.breaks.every(
    (b) => uint(b?.afterSeq) && (b.beforeSeq === undefined || uint(b.beforeSeq)) && BREAK_REASONS.includes(b.reason) && uint(b.lostBytes) && (b.damageHash === undefined || hex(b.damageHash)),
  );
  return lifecycleOk && breaksOk && j.recorded.every((k) => typeof k === 'string');
}

/**
 * The checkpoint at `path`, or undefined when there is none or it is not one this agent wrote
 * (any field of the wrong shape): a full scan then. Never throws.
 */
export function readCheckpoint(path: string): Checkpoint | undefined {
  if (!existsSync(path)) return undefined;
  try {
    const j = JSON.parse(readFileSync(path, 'utf8')) as CheckpointJson;
    if (typeof j !== 'object' || j === null || !wellFormed(j)) return undefined;
    const hash = fromHex(j.hash);
    if (hash.length !== 32) return undefined;
    return {
      code: j.code,
      seq: j.seq,
      end: j.end,
      hash,
      ...(j.crc === undefined ? {} : { crc: j.crc }),
      lastTime: j.lastTime,
      lifecycle: j.lifecycle.map((e) => ({ seq: e.seq, time: e.time, kind: e.kind, ...(e.order === undefined ? {} : { order: fromHex(e.order) }) })),
      breaks: j.breaks.map((b) => ({ ...b, ...(b.damageHash === undefined ? {} : { damageHash: fromHex(b.damageHash) }) })) as ChainBreak[],
      recorded: j.recorded,
    };
  } catch {
    return undefined; // a cache: unreadable means a full scan
  }
}

export function writeCheckpoint(path: string, cp: Checkpoint): void {
  const j: CheckpointJson = {
    v: CHECKPOINT_FORMAT,
    code: cp.code,
    seq: cp.seq,
    end: cp.end,
    hash: toHex(cp.hash),
    ...(cp.crc === undefined ? {} : { crc: cp.crc }),
    lastTime: cp.lastTime,
    lifecycle: cp.lifecycle.map((e) => ({ seq: e.seq, time: e.time, kind: e.kind, ...(e.order ? { order: toHex(e.order) } : {}) })),
    breaks: cp.breaks.map(({ damageHash, ...b }) => ({ ...b, ...(damageHash ? { damageHash: toHex(damageHash) } : {}) })),
    recorded: cp.recorded,
  };
  writeFileAtomicSync(path, JSON.stringify(j) + '\n', { mode: 0o640 });
}

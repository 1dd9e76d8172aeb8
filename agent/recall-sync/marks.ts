/**
 * The robot's durable index marks (docs/protocol.md §"Recall index", step I7): for each scope,
 * the highest version accepted, kept as the accepted index bytes themselves and written
 * atomically BEFORE the index is acted on, so a reboot never lowers the mark (rollback
 * protection survives restarts and an expired index's version still counts).
 *   <dir>/indexes/<scope>.cose   the accepted index bytes (`/` written as `_`)
 * The mark (version, sha256, issuedAt, expiresAt) is read back from those bytes, so accepting
 * an index is one atomic write. Agents before this layout also wrote <dir>/marks.json, a
 * summary of the same files written after them (never ahead of them); it is no longer read.
 */
import { mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { IndexError, indexKind, openSign1, sha256, toHex, fromHex, writeFileAtomicSync, type RecallIndex, type VerifiedIndex } from '../../sdk/index.js';

export interface Mark {
  version: number;
  sha256: string;
  issuedAt: number;
  expiresAt: number;
}

export interface HeldMark extends Mark {
  index: RecallIndex;
}

const SUFFIX = '.cose';
const fileOf = (scope: string) => `${scope.replace(/\//g, '_')}${SUFFIX}`;

export class IndexMarks {
  private readonly held = new Map<string, HeldMark>();

  private constructor(private readonly dir: string) {}

  static open(dir: string): IndexMarks {
    const m = new IndexMarks(dir);
    const indexes = join(dir, 'indexes');
    mkdirSync(indexes, { recursive: true, mode: 0o750 });
    // Only complete files count: a `<file>.new` is an atomic write a crash interrupted, and
    // the file it was to replace (if any) is still the accepted one.
    for (const file of readdirSync(indexes).filter((f) => f.endsWith(SUFFIX)).sort()) {
      const path = join(indexes, file);
      const bytes = new Uint8Array(readFileSync(path));
      let index: RecallIndex;
      try {
        // Our own disk, written after verification: decoded, not re-verified (it may have
        // expired, and its version must still count as the high-water mark).
        index = openSign1(indexKind, bytes).value;
      } catch (err) {
        throw new IndexError('INDEX_STATE_INVALID', `${path}: expected an accepted index (${(err as Error).message})`, { cause: err });
      }
      if (fileOf(index.scope) !== file) throw new IndexError('INDEX_STATE_INVALID', `${path}: holds the index of scope ${index.scope}, expected ${fileOf(index.scope)}`);
      m.held.set(index.scope, { ...markOf(index, toHex(sha256(bytes))), index });
    }
    return m;
  }

  get(scope: string): HeldMark | undefined {
    return this.held.get(scope);
  }

  heldFor(scope: string): { version: number; sha256: Uint8Array } | undefined {
    const m = this.held.get(scope);
    return m ? { version: m.version, sha256: fromHex(m.sha256) } : undefined;
  }

  all(): [string, HeldMark][] {
    return [...this.held];
  }

  /** Persists the accepted index (its bytes are the mark), then holds it in memory. */
  accept(v: VerifiedIndex): void {
    const i = v.index;
    writeFileAtomicSync(join(this.dir, 'indexes', fileOf(i.scope)), v.bytes);
    this.held.set(i.scope, { ...markOf(i, toHex(v.sha256)), index: i });
  }
}

function markOf(i: RecallIndex, sha256Hex: string): Mark {
  return { version: i.version, sha256: sha256Hex, issuedAt: i.issuedAt, expiresAt: i.expiresAt };
}

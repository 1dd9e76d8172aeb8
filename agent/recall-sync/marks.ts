/**
 * The robot's durable index marks (docs/protocol.md §"Recall index", step I7): for each scope,
 * the highest version accepted and the index bytes, written atomically BEFORE the index is
 * acted on, so a reboot never lowers the mark (rollback protection survives restarts and an
 * expired index's version still counts).
 *   <dir>/marks.json             { format, scopes: { [scope]: { version, sha256, issuedAt, expiresAt } } }
 *   <dir>/indexes/<scope>.cose   the accepted index bytes (`/` written as `_`)
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IndexError, fromHex, indexKind, openSign1, toHex, writeFileAtomicSync, type RecallIndex, type VerifiedIndex } from '../../sdk/index.js';

export const MARKS_FORMAT = 'robot-id-index-marks/1';

export interface Mark {
  version: number;
  sha256: string;
  issuedAt: number;
  expiresAt: number;
}

export interface HeldMark extends Mark {
  index: RecallIndex;
}

const fileOf = (scope: string) => `${scope.replace(/\//g, '_')}.cose`;

export class IndexMarks {
  private readonly held = new Map<string, HeldMark>();

  private constructor(private readonly dir: string) {}

  static open(dir: string): IndexMarks {
    const m = new IndexMarks(dir);
    mkdirSync(join(dir, 'indexes'), { recursive: true, mode: 0o750 });
    const path = join(dir, 'marks.json');
    if (!existsSync(path)) return m;
    let json: { format?: string; scopes?: Record<string, Mark> };
    try {
      json = JSON.parse(readFileSync(path, 'utf8')) as typeof json;
    } catch (err) {
      throw new IndexError('INDEX_STATE_INVALID', `${path}: expected JSON (${(err as Error).message})`, { cause: err });
    }
    if (json.format !== MARKS_FORMAT || typeof json.scopes !== 'object' || json.scopes === null) {
      throw new IndexError('INDEX_STATE_INVALID', `${path}: expected format ${MARKS_FORMAT}`);
    }
    for (const [scope, mark] of Object.entries(json.scopes)) {
      // Our own disk, written after verification: decoded, not re-verified (it may have expired,
      // and its version must still count as the high-water mark).
      const bytes = new Uint8Array(readFileSync(join(dir, 'indexes', fileOf(scope))));
      m.held.set(scope, { ...mark, index: openSign1(indexKind, bytes).value });
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

  /** Persists the accepted index (bytes first, then the marks that name it). */
  accept(v: VerifiedIndex): void {
    const i = v.index;
    writeFileAtomicSync(join(this.dir, 'indexes', fileOf(i.scope)), v.bytes);
    this.held.set(i.scope, { version: i.version, sha256: toHex(v.sha256), issuedAt: i.issuedAt, expiresAt: i.expiresAt, index: i });
    const scopes: Record<string, Mark> = {};
    for (const [s, { index: _index, ...mark }] of this.held) scopes[s] = mark;
    writeFileAtomicSync(join(this.dir, 'marks.json'), JSON.stringify({ format: MARKS_FORMAT, scopes }, null, 2) + '\n');
  }
}

/**
 * The publisher state in a directory (docs/operations.md §"The platform's state"), the layout
 * every earlier version wrote and reads:
 *   state.json              { format, country, recalls, scopes, revocations, policy?, rotations? }
 *   notices/<recallId>.cose the current notice bytes of each recall
 *   indexes/<scope>.cose    the last signed index of each scope (`/` written as `_`)
 *   state.lock              held by the one writer (state-lock.ts)
 * A change writes its notices and indexes (each written, fsynced, renamed, directory fsynced)
 * before state.json, then removes the notices of forgotten recalls: after a crash state.json
 * names only blobs that are on disk.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { IndexError, IndexState, parseStateJson, writeFileAtomicSync, type AfterCommit, type PendingChanges, type PublisherStore, type StateBlobs } from '../../../sdk/index.js';
import { withStateLock } from './state-lock.js';

const fileOfScope = (scope: string) => `${scope.replace(/\//g, '_')}.cose`;

export class FilesPublisherStore implements PublisherStore {
  readonly where: string;

  constructor(readonly dir: string) {
    this.where = dir;
  }

  async change<T>(country: string, fn: (state: IndexState) => Promise<T> | T, afterCommit?: AfterCommit<T>): Promise<T> {
    return withStateLock(this.dir, async () => {
      const state = this.load() ?? IndexState.empty(country, this.blobs());
      if (state.country !== country) {
        throw new IndexError('INDEX_STATE_INVALID', `${join(this.dir, 'state.json')}: state of country ${state.country}, key of ${country}`);
      }
      const out = await fn(state);
      const pending = state.pending();
      if (pending) this.commit(pending);
      await afterCommit?.(out, state);
      return out;
    });
  }

  read(): Promise<IndexState | undefined> {
    return Promise.resolve(this.load());
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private load(): IndexState | undefined {
    const file = join(this.dir, 'state.json');
    if (!existsSync(file)) return undefined;
    return new IndexState(parseStateJson(readFileSync(file, 'utf8'), file), this.blobs());
  }

  private blobs(): StateBlobs {
    const read = (file: string, what: string): Uint8Array => {
      try {
        return new Uint8Array(readFileSync(file));
      } catch (err) {
        throw new IndexError('INDEX_STATE_INVALID', `${file}: expected the ${what} the state names (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { cause: err });
      }
    };
    return {
      notice: (recallId) => read(join(this.dir, 'notices', `${recallId}.cose`), `notice of recall ${recallId}`),
      index: (scope) => read(join(this.dir, 'indexes', fileOfScope(scope)), `signed index of ${scope}`),
    };
  }

  private commit(p: PendingChanges): void {
    mkdirSync(join(this.dir, 'notices'), { recursive: true, mode: 0o700 });
    mkdirSync(join(this.dir, 'indexes'), { recursive: true, mode: 0o700 });
    for (const [recallId, bytes] of p.notices) writeFileAtomicSync(join(this.dir, 'notices', `${recallId}.cose`), bytes);
    for (const [scope, bytes] of p.indexes) writeFileAtomicSync(join(this.dir, 'indexes', fileOfScope(scope)), bytes);
    writeFileAtomicSync(join(this.dir, 'state.json'), JSON.stringify(p.json, null, 2) + '\n', { mode: 0o600 });
    for (const recallId of p.forgotten) rmSync(join(this.dir, 'notices', `${recallId}.cose`), { force: true });
  }
}

/**
 * One process per state directory (docs/operations.md §"One agent per state directory").
 *
 * Two agents on one directory both appended to the same log with the same seqs and lost
 * accepted events. The lock is a Linux abstract-namespace Unix socket named after the state
 * directory's device and inode: binding it is atomic, only one process can hold the name, and
 * the kernel releases it when the process dies however it dies (SIGKILL, power loss needs no
 * clean-up), so a stale lock cannot keep a unit down the way a pid file can. It needs no file in
 * the directory and no native code (the agent ships as a single executable that cannot load
 * addons; Node has no flock). The holder answers a connection with who it is, so a refused
 * process can name it.
 *
 * Scope: abstract names live in a network namespace. Processes in different network
 * namespaces (two containers bind-mounting one directory) do not see each other's lock; run
 * the agent and `robot-id order apply` in the same one (docs/operations.md).
 */
import { statSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';

export interface LockHolder {
  pid: number;
  /** What holds it: `agent` or a CLI command such as `order apply`. */
  what: string;
  /** When it was taken (ISO 8601). */
  since: string;
}

export interface StateLock {
  readonly name: string;
  release(): Promise<void>;
}

/** The lock is held by another process. */
export class StateLockedError extends Error {
  constructor(
    readonly stateDir: string,
    readonly holder: LockHolder | undefined,
  ) {
    super(
      holder
        ? `state directory ${stateDir} is in use by ${holder.what} (pid ${holder.pid}, since ${holder.since})`
        : `state directory ${stateDir} is in use by another process (it did not say which)`,
    );
  }
}

/** The abstract socket name for a directory: its device and inode, so every path to it agrees. */
export function lockName(stateDir: string): string {
  const st = statSync(stateDir);
  return `\0robot-id/state/${st.dev}/${st.ino}`;
}

/** Takes the lock or throws StateLockedError naming the holder. */
export async function lockStateDir(stateDir: string, what: string): Promise<StateLock> {
  const name = lockName(stateDir);
  const me: LockHolder = { pid: process.pid, what, since: new Date().toISOString() };
  const server = createServer((c) => {
    c.on('error', () => undefined); // a prober that hangs up early is of no concern
    c.end(JSON.stringify(me) + '\n');
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(name, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    server.close();
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new StateLockedError(stateDir, await askHolder(name));
    throw err;
  }
  // The lock must not keep a process alive on its own.
  server.unref();
  return {
    name,
    release: () => closeServer(server),
  };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Asks the holder who it is (at most 2 s; undefined when it does not say). */
function askHolder(name: string): Promise<LockHolder | undefined> {
  return new Promise((resolve) => {
    let text = '';
    const c = createConnection(name);
    const done = (h: LockHolder | undefined): void => {
      clearTimeout(timer);
      c.destroy();
      resolve(h);
    };
    const timer = setTimeout(() => done(undefined), 2000);
    c.setEncoding('utf8');
    c.on('data', (d: string) => {
      text += d;
      if (text.length > 4096) done(undefined);
    });
    c.on('error', () => done(undefined));
    c.on('end', () => done(parseHolder(text)));
  });
}

function parseHolder(text: string): LockHolder | undefined {
  try {
    const h = JSON.parse(text) as Partial<LockHolder>;
    if (typeof h.pid === 'number' && typeof h.what === 'string' && typeof h.since === 'string') return { pid: h.pid, what: h.what.slice(0, 64), since: h.since.slice(0, 40) };
  } catch {
    // Not our answer: the holder is then unnamed.
  }
  return undefined;
}

/**
 * Running the single executables (dist/robot-id-linux-<arch>) in tests: natively for the host
 * architecture, under qemu user emulation for the other one. Built by the same script
 * `npm run build:binary` and the Dockerfile use.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type Arch = 'x64' | 'arm64';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');

export interface BinaryTarget {
  readonly arch: Arch;
  readonly path: string;
  /** Program and leading arguments that run the executable: [] natively, [qemu] otherwise. */
  readonly launcher: readonly string[];
}

export interface RunResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  stdin?: string;
  timeoutMs?: number;
}

export function binaryPath(arch: Arch): string {
  return join(repoRoot, 'dist', `robot-id-linux-${arch}`);
}

/** Runs `node scripts/build-binary.mjs --arch ...` (what `npm run build:binary` runs). */
export function buildBinaries(archs: readonly Arch[]): string {
  const args = ['scripts/build-binary.mjs', ...archs.flatMap((a) => ['--arch', a])];
  const r = spawnSync(process.execPath, args, { cwd: repoRoot, encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) throw new Error(`build-binary failed (${r.status}):\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

const QEMU: Record<Arch, { qemu: string; loader: string }> = {
  x64: { qemu: 'qemu-x86_64-static', loader: '/lib64/ld-linux-x86-64.so.2' },
  arm64: { qemu: 'qemu-aarch64-static', loader: '/lib/ld-linux-aarch64.so.1' },
};

function onPath(program: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const p = join(dir, program);
    if (dir && existsSync(p)) return p;
  }
  return undefined;
}

/**
 * How to run the executable for `arch` here, or the reason it cannot run. The official Node
 * binary is linked against glibc and libstdc++, so a foreign architecture needs qemu user
 * emulation plus that architecture's runtime libraries (Debian multiarch, e.g.
 * `dpkg --add-architecture arm64 && apt-get install qemu-user-static libc6:arm64 libstdc++6:arm64`).
 */
export function binaryTarget(arch: Arch): BinaryTarget | { reason: string } {
  const path = binaryPath(arch);
  if (arch === process.arch) return { arch, path, launcher: [] };
  const { qemu, loader } = QEMU[arch];
  const q = onPath(qemu);
  if (!q) return { reason: `${qemu} not found (Debian package qemu-user-static)` };
  if (!existsSync(loader)) return { reason: `${loader} missing: install the ${arch} runtime libraries (libc6:${arch} libstdc++6:${arch})` };
  return { arch, path, launcher: [q] };
}

function command(target: BinaryTarget, args: readonly string[]): [string, string[]] {
  const [first, ...rest] = [...target.launcher, target.path, ...args];
  return [first as string, rest];
}

/** Runs the executable to completion and collects its output. */
export function runBinary(target: BinaryTarget, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const [cmd, argv] = command(target, args);
    const child = spawn(cmd, argv, { cwd: opts.cwd ?? repoRoot, env: opts.env ?? process.env, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolvePromise({ status, signal, stdout, stderr });
    });
    child.stdin.end(opts.stdin ?? '');
  });
}

export interface RunningBinary {
  readonly child: ChildProcess;
  /** Everything written so far. */
  output(): { stdout: string; stderr: string };
  /** Resolves with the first stdout line (e.g. a JSON log line) for which `match` is true. */
  waitForLine(match: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  /** SIGTERM (then SIGKILL after `graceMs`) and the exit status. Safe to call twice. */
  stop(graceMs?: number): Promise<{ status: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts a long-running command (the agent). Always `stop()` it in a finally/afterEach. */
export function startBinary(target: BinaryTarget, args: readonly string[], opts: RunOptions = {}): RunningBinary {
  const [cmd, argv] = command(target, args);
  const child = spawn(cmd, argv, { cwd: opts.cwd ?? repoRoot, env: opts.env ?? process.env, stdio: 'pipe' });
  let stdout = '';
  let stderr = '';
  const waiters = new Set<() => void>();
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
    for (const w of waiters) w();
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<{ status: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.on('close', (status, signal) => {
      for (const w of waiters) w();
      r({ status, signal });
    }),
  );
  return {
    child,
    output: () => ({ stdout, stderr }),
    waitForLine(match, timeoutMs = 30_000) {
      return new Promise((resolveLine, reject) => {
        const check = () => {
          const line = stdout.split('\n').find((l) => l.length > 0 && match(l));
          if (line !== undefined) done(() => resolveLine(line));
          else if (child.exitCode !== null || child.signalCode !== null) {
            done(() => reject(new Error(`exited (${child.exitCode ?? child.signalCode}) first; stderr:\n${stderr}`)));
          }
        };
        const timer = setTimeout(() => done(() => reject(new Error(`no matching line in ${timeoutMs} ms; stdout:\n${stdout}\nstderr:\n${stderr}`))), timeoutMs);
        const done = (settle: () => void) => {
          clearTimeout(timer);
          waiters.delete(check);
          settle();
        };
        waiters.add(check);
        check();
      });
    },
    async stop(graceMs = 10_000) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        const result = await exited;
        clearTimeout(timer);
        return result;
      }
      return exited;
    },
  };
}

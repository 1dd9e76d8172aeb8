/**
 * Helpers of the technician tests: the real `robot-id` bundle run asynchronously (so an
 * in-process ingest keeps receiving while a command runs), and waiting for an agent's socket.
 */
import { spawn } from 'node:child_process';
import { BUNDLE } from './agent-process.js';

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function robotId(args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BUNDLE, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: opts.env ?? process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/** Parses the single JSON line a `--json` command prints. */
export function json<T = Record<string, unknown>>(r: CliResult): T {
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`expected JSON, got status ${r.status}: ${r.stdout}${r.stderr}`);
  }
}

/** Polls until `robot-id status --agent <socket>` answers (the agent is up). */
export async function waitForAgent(socket: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await robotId(['status', '--agent', socket, '--json']);
    if (r.status === 0) return;
    if (Date.now() > deadline) throw new Error(`agent at ${socket} did not answer: ${r.stdout}${r.stderr}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

/** Polls `probe` until it returns something other than undefined. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

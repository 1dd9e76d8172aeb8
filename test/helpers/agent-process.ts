/**
 * Agents as real child processes (`node dist/robot-id.cjs agent --config <file>`), and one-shot
 * CLI runs of the same bundle. Every process started here is stopped by `stopAll()`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

export const BUNDLE = fileURLToPath(new URL('../../dist/robot-id.cjs', import.meta.url));

export interface Proc {
  child: ChildProcess;
  lines(): string[];
  stop(): Promise<void>;
}

const procs = new Set<Proc>();

export function startProc(args: string[]): Proc {
  const child = spawn(process.execPath, [BUNDLE, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const p: Proc = {
    child,
    lines: () => out.split('\n').filter((l) => l.length > 0),
    async stop() {
      procs.delete(p);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(t);
      }
    },
  };
  procs.add(p);
  return p;
}

export async function stopAll(): Promise<void> {
  await Promise.all([...procs].map((p) => p.stop()));
}

export function startAgentProcess(dir: string, config: Record<string, unknown>): Proc {
  const file = join(dir, `agent-${Date.now()}-${Math.random().toString(16).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(config));
  return startProc(['agent', '--config', file]);
}

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function cli(args: string[]): CliRun {
  const r = spawnSync(process.execPath, [BUNDLE, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A CLI run's standard output, once it is held to exit status 0 (failing with what it printed). */
export function ok(r: CliRun): string {
  expect(r.status, r.stderr + r.stdout).toBe(0);
  return r.stdout;
}

/** A CLI run's JSON output (`--json`), once it is held to exit status 0. */
export const okJson = (r: CliRun): Record<string, unknown> => JSON.parse(ok(r)) as Record<string, unknown>;

/** The agent's GET /v1/status over its socket, via `robot-id status --json`. */
export function agentStatus(socket: string): Record<string, unknown> {
  const r = cli(['status', '--agent', socket, '--json']);
  if (r.status !== 0) throw new Error(`status failed (${r.status}): ${r.stdout}${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

/**
 * Resolves once a `fleet watch --json` process is subscribed: it answers a probe (a heartbeat
 * of a unit no registry knows, published until the ingest reports it rejected). A unit started
 * before that would lose its birth, which the broker does not keep.
 */
export async function ingestListening(brokerUrl: string, lines: () => string[], timeoutMs = 20_000): Promise<void> {
  const { connectAsync } = await import('mqtt');
  const { unitTopic } = await import('../../sdk/index.js');
  const probe = '86000000000000000000000099999';
  const c = await connectAsync(brokerUrl, { clientId: `ingest-probe-${process.pid}-${Math.random().toString(36).slice(2)}`, reconnectPeriod: 0 });
  try {
    const end = Date.now() + timeoutMs;
    while (!lines().some((l) => l.includes(probe))) {
      if (Date.now() > end) throw new Error(`the ingest did not answer a probe within ${timeoutMs} ms`);
      await c.publishAsync(unitTopic(probe, 'hb'), Buffer.from([0]), { qos: 0 });
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await c.endAsync();
  }
}

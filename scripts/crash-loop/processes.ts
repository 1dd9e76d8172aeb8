/**
 * The three processes the crash loop kills: mosquitto on a fixed port (so the others find it
 * again), the agent and the fleet ingest, both the product's own bundle. Each can be SIGKILLed
 * and started again on the same state.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { canConnect } from '../bench/mosquitto.js';

export const BUNDLE = join(process.cwd(), 'dist', 'robot-id.cjs');
const MOSQUITTO = '/usr/sbin/mosquitto';

export interface Restartable {
  name: string;
  running(): boolean;
  start(): Promise<void>;
  kill(): Promise<void>;
  stop(): Promise<void>;
}

async function waitFor(cond: () => boolean | Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`crash-loop: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function proc(name: string, argv: () => string[], ready: (child: ChildProcess) => Promise<void>): Restartable {
  let child: ChildProcess | undefined;
  const exited = (c: ChildProcess): Promise<void> => (c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise((r) => c.once('exit', () => r())));
  return {
    name,
    running: () => child !== undefined && child.exitCode === null && child.signalCode === null,
    async start() {
      const [cmd, ...args] = argv();
      child = spawn(cmd!, args, { stdio: 'ignore' });
      await ready(child);
    },
    async kill() {
      if (!child) return;
      child.kill('SIGKILL');
      await exited(child);
    },
    async stop() {
      if (!child) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child?.kill('SIGKILL'), 10_000);
      await exited(child);
      clearTimeout(t);
    },
  };
}

export function mosquitto(dir: string, port: number): Restartable {
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(
    conf,
    [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence false', 'max_queued_messages 1000000', 'log_dest none', ...(process.getuid?.() === 0 ? ['user root'] : [])].join('\n') + '\n',
  );
  return proc('broker', () => [MOSQUITTO, '-c', conf], async (c) => waitFor(async () => c.exitCode === null && (await canConnect(port)), 'mosquitto'));
}

export function agent(configFile: string, socketReady: () => Promise<boolean>): Restartable {
  return proc('agent', () => [process.execPath, BUNDLE, 'agent', '--config', configFile], async (c) => waitFor(async () => c.exitCode === null && (await socketReady()), 'the agent', 30_000));
}

export function ingest(args: string[]): Restartable {
  // Ready once running: it connects (and reconnects) to the broker on its own.
  return proc('ingest', () => [process.execPath, BUNDLE, 'fleet', 'watch', ...args], async () => new Promise((r) => setTimeout(r, 300)));
}

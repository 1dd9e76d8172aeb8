/**
 * Starts a throw-away mosquitto for benchmarks and the fleet simulation: loopback only, a free
 * port chosen by the kernel, no persistence, generous limits (no connection cap, deep queues).
 * The caller must `stop()` it; a process exit handler kills it too, so a crashed benchmark
 * never leaves a broker behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const MOSQUITTO = process.env['MOSQUITTO'] ?? '/usr/sbin/mosquitto';

export interface Broker {
  port: number;
  url: string;
  pid: number;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect({ host: '127.0.0.1', port });
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

export async function startMosquitto(options: { extraConfig?: string[] } = {}): Promise<Broker> {
  const dir = mkdtempSync(join(tmpdir(), 'rid-bench-mosq-'));
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'max_connections -1',
      'persistence false',
      'max_inflight_messages 0',
      'max_queued_messages 1000000',
      'set_tcp_nodelay true',
      'log_dest none',
      ...(process.getuid?.() === 0 ? ['user root'] : []),
      ...(options.extraConfig ?? []),
    ].join('\n') + '\n',
  );
  const child: ChildProcess = spawn(MOSQUITTO, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const kill = (): void => {
    if (child.exitCode === null) child.kill('SIGKILL');
  };
  process.once('exit', kill);
  const deadline = Date.now() + 5000;
  while (!(await canConnect(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      kill();
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`mosquitto did not start on port ${port}: ${stderr.trim() || 'timeout'}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    pid: child.pid!,
    async stop() {
      process.removeListener('exit', kill);
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 2000);
        await exited;
        clearTimeout(t);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The local API cannot be exhausted from the service network: a real agent process with a
 * descriptor limit of 256 takes 1,100 idle TCP connections without a token; the Unix socket
 * keeps accepting events throughout, the idle connections are closed after the request
 * timeout, and a refused token gets 401 with `WWW-Authenticate: Bearer` and a closed connection.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { callAgent } from '../../agent/index.js';
import { BUNDLE } from '../helpers/agent-process.js';
import { freePort } from '../helpers/broker.js';
import { until } from '../helpers/ingest-recorder.js';
import { makePki, type Pki } from '../helpers/pki.js';

const TOKEN = 'k'.repeat(40);
let dir: string;
let pki: Pki;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rid-api-tcp-'));
  pki = await makePki(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function openIdle(port: number): Promise<Socket> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.on('error', () => undefined); // the server closing it is what we expect
    s.once('connect', () => resolve(s));
    s.once('close', () => resolve(s));
  });
}

it('1,100 idle connections without a token leave the Unix socket served and are closed within the timeout', async () => {
  const unit = await pki.provision();
  const port = await freePort();
  const config = join(dir, 'agent.json');
  writeFileSync(
    config,
    JSON.stringify({ stateDir: unit.stateDir, hardwareIdSource: { file: unit.hardwareIdFile }, logLevel: 'warn', apiTcpPort: port, apiTcpHost: '127.0.0.1', apiToken: TOKEN, apiTcpRequestTimeoutMs: 2000 }),
  );
  // 256 descriptors: without the bound, 1,100 connections would exhaust them.
  const child = spawn('sh', ['-c', `ulimit -n 256 && exec "${process.execPath}" "${BUNDLE}" agent --config "${config}"`], { stdio: 'ignore' });
  const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  const socketPath = join(unit.stateDir, 'agent.sock');
  try {
    await until(() => existsSync(socketPath), 'the agent is up', 30_000);
    const sockets: Socket[] = [];
    for (let i = 0; i < 1100; i += 50) sockets.push(...(await Promise.all(Array.from({ length: 50 }, () => openIdle(port)))));
    // Events over the Unix socket while the TCP side is flooded.
    for (let i = 0; i < 20; i++) {
      const r = await callAgent<{ seq: number }>({ socketPath }, 'POST', '/v1/events', { kind: 'maintenance', note: `during flood ${i}` }, 10_000);
      expect(r.status).toBe(201);
    }
    // Every idle connection is closed by the agent: at once past the bound, or at the timeout.
    await until(() => sockets.every((s) => s.destroyed || s.readyState === 'closed'), 'idle connections closed', 20_000);
    expect(child.exitCode).toBeNull();

    // A wrong token: 401, WWW-Authenticate: Bearer, and the connection ends with the answer.
    const refused = await fetch(`http://127.0.0.1:${port}/v1/status`, { headers: { authorization: 'Bearer wrong' } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toBe('Bearer');
    expect(refused.headers.get('connection')).toBe('close');
    // The right token still works after the flood.
    const ok = await fetch(`http://127.0.0.1:${port}/v1/status`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { code: string }).code).toBe(unit.code);
    for (const s of sockets) s.destroy();
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}, 120_000);

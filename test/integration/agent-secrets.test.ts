// Secrets never reach a log: the real agent, at its most verbose log level, with a broker
// password and an API token configured, talking to a broker and answering API calls with the
// wrong and the right token. Nothing it prints may contain either secret or the device key.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/broker.js';
import type { TestUnit } from '../helpers/pki.js';
import { useWorld } from '../helpers/world.js';

const BROKER_PASSWORD = 'broker-secret-7f3a9c1e5b2d4a6f';
const API_TOKEN = 'api-token-secret-0123456789abcdef0123456789abcdef';

const world = useWorld('rid-secrets-', { pki: true });
let unit: TestUnit;
beforeAll(async () => {
  unit = await world.pki.provision();
});

function get(port: number, path: string, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('secrets in logs', () => {
  it('the agent at log level trace prints neither the broker password, the API token nor the device key', async () => {
    const port = await freePort();
    const configFile = join(world.tmp, 'agent.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        stateDir: unit.stateDir,
        hardwareIdSource: { file: unit.hardwareIdFile },
        brokerUrl: world.broker.url,
        brokerUsername: unit.code,
        brokerPassword: BROKER_PASSWORD,
        apiTcpPort: port,
        apiTcpHost: '127.0.0.1',
        apiToken: API_TOKEN,
        heartbeatIntervalMs: 200,
        logLevel: 'trace',
      }),
    );
    const child = spawn(process.execPath, ['dist/robot-id.cjs', 'agent', '--config', configFile], { stdio: 'pipe' });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (out += d.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    try {
      const until = Date.now() + 20_000;
      while (!out.includes('broker connected')) {
        if (Date.now() > until) throw new Error(`agent did not connect:\n${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(await get(port, '/v1/status', 'wrong-token-wrong-token-wrong-token-00')).toBe(401);
      expect(await get(port, '/v1/status', API_TOKEN)).toBe(200);
      await new Promise((r) => setTimeout(r, 500)); // a few heartbeats
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(out.length).toBeGreaterThan(0);
    // The agent logged its work (connection, API refusals) at this level.
    expect(out).toContain('broker connected');
    const keyPem = readFileSync(join(unit.stateDir, 'device.key'), 'utf8');
    const keyBase64 = keyPem.split('\n').filter((l) => l && !l.startsWith('-----')).join('');
    for (const secret of [BROKER_PASSWORD, API_TOKEN, keyBase64]) expect(out).not.toContain(secret);
  });
});

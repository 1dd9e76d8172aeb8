// The technician's page as the agent's own script serves it (dist/robot-id-agent.cjs, started by
// dist/robot-id.cjs for `robot-id agent`): read from dist/page/ beside the script on the first
// request, not carried in the script; an install without the page answers 404 and runs on.
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/broker.js';
import type { TestUnit } from '../helpers/pki.js';
import { useWorld } from '../helpers/world.js';

const TOKEN = 'page-test-token-0123456789abcdef0123456789abcdef';
const PAGE = join('dist', 'page', 'robot-id-page.html');

const world = useWorld('rid-agent-page-', { pki: true });
let unit: TestUnit;
beforeAll(async () => {
  unit = await world.pki.provision();
});

function get(port: number, path: string, token?: string): Promise<{ status: number; type: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: token ? { authorization: `Bearer ${token}` } : {} }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Runs `robot-id agent` through the loader `loader` until `check` is done with it. */
async function withAgent(loader: string, check: (port: number) => Promise<void>): Promise<void> {
  const port = await freePort();
  const configFile = join(world.tmp, `agent-${port}.json`);
  writeFileSync(
    configFile,
    JSON.stringify({ stateDir: unit.stateDir, hardwareIdSource: { file: unit.hardwareIdFile }, brokerUrl: world.broker.url, apiTcpPort: port, apiTcpHost: '127.0.0.1', apiToken: TOKEN, logLevel: 'info' }),
  );
  const child = spawn(process.execPath, [loader, 'agent', '--config', configFile], { stdio: 'pipe' });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (out += d.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  try {
    const until = Date.now() + 20_000;
    while (!out.includes('agent started')) {
      if (Date.now() > until || child.exitCode !== null) throw new Error(`agent did not start:\n${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    await check(port);
  } finally {
    child.kill('SIGTERM');
  }
  expect(await exited).toBe(0);
}

describe("the agent's own script and the technician's page", () => {
  it('leaves the page out of the script and serves it from dist/page/ beside it', async () => {
    const page = readFileSync(PAGE, 'utf8');
    expect(page.length).toBeGreaterThan(100_000);
    // The page's trust-bundle slot: in the whole bundle (\`robot-id page\`), not in the agent's script.
    const slot = 'id="rid-bundle"';
    expect({ agent: readFileSync('dist/robot-id-agent.cjs', 'latin1').includes(slot), bundle: readFileSync('dist/robot-id-bundle.cjs', 'latin1').includes(slot) }).toEqual({ agent: false, bundle: true });
    await withAgent('dist/robot-id.cjs', async (port) => {
      const r = await get(port, '/');
      expect({ status: r.status, type: r.type }).toEqual({ status: 200, type: 'text/html; charset=utf-8' });
      expect(r.body === page).toBe(true);
    });
  }, 60_000);

  it('answers 404 for the page where it was not installed, and runs on', async () => {
    const d = join(world.tmp, 'install');
    mkdirSync(d);
    for (const f of ['robot-id.cjs', 'robot-id-agent.cjs', 'robot-id-agent.v8cache']) copyFileSync(join('dist', f), join(d, f));
    await withAgent(join(d, 'robot-id.cjs'), async (port) => {
      expect((await get(port, '/')).status).toBe(404);
      expect((await get(port, '/v1/status', TOKEN)).status).toBe(200);
    });
  }, 60_000);
});

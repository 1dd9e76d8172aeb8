/**
 * The technician commands against a real agent (child process) on a real broker, with the
 * real fleet ingest: a maintenance event visible in `robot-id events` and at the platform;
 * the readable and JSON outputs; the TCP listener with its bearer token; the exit statuses.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { IngestConnection } from '../../platform/index.js';
import { startAgentProcess, stopAll } from '../helpers/agent-process.js';
import { freePort } from '../helpers/broker.js';
import { record, startIngest, type Recorded } from '../helpers/ingest-recorder.js';
import type { TestUnit } from '../helpers/pki.js';
import { eventually, json, robotId, waitForAgent } from '../helpers/technician.js';
import { useWorld } from '../helpers/world.js';

const TOKEN = 'technician-test-token-0123456789abcdef';
const world = useWorld('technician-', { pki: true });
let unit: TestUnit;
let ingest: IngestConnection;
let seen: Recorded;
let socket: string;
let tcpPort: number;
world.cleanup(async () => {
  await stopAll();
  await ingest?.close();
});

beforeAll(async () => {
  const { tmp: dir, broker, pki } = world;
  unit = await pki.provision();
  ingest = await startIngest(pki, [unit], broker.url, join(dir, 'ingest'));
  seen = record(ingest);
  socket = join(unit.stateDir, 'agent.sock');
  tcpPort = await freePort();
  startAgentProcess(dir, {
    stateDir: unit.stateDir,
    hardwareIdSource: { file: unit.hardwareIdFile },
    brokerUrl: broker.url,
    heartbeatIntervalMs: 300,
    resendIntervalMs: 300,
    apiTcpPort: tcpPort,
    apiTcpHost: '127.0.0.1',
    apiToken: TOKEN,
    logLevel: 'warn',
  });
  await waitForAgent(socket);
}, 60_000);

describe('technician commands against a running agent', () => {
  it('maintenance add: durable, in the verified event log, and verified at the platform', async () => {
    const add = await robotId(['maintenance', 'add', '--agent', socket, '--technician', 'tech-0042', '--kind', 'part-replaced', '--note', 'left knee actuator', '--json']);
    expect(add.status).toBe(0);
    const { seq } = json<{ seq: number; hash: string }>(add);
    expect(seq).toBeGreaterThan(0);

    const events = json<{ events: { seq: number; kind: string; technician?: string; note?: string }[]; chain: { verified: boolean } }>(
      await robotId(['events', '--agent', socket, '--all', '--json']),
    );
    expect(events.chain.verified).toBe(true);
    expect(events.events.find((e) => e.seq === seq)).toMatchObject({ kind: 'part-replaced', technician: 'tech-0042', note: 'left knee actuator' });

    const atPlatform = await eventually('the event at the ingest', () => seen.messages.find((m) => m.kind === 'event' && m.seq === seq));
    expect(atPlatform).toMatchObject({ code: unit.code, verified: true, eventKind: 'part-replaced' });
    expect((atPlatform.value as { technician?: string }).technician).toBe('tech-0042');
    await eventually('the receipt', () => seen.receipts.find((r) => r.code === unit.code && r.event >= seq));

    const readable = await robotId(['events', '--agent', socket]);
    expect(readable.status).toBe(0);
    expect(readable.stdout).toMatch(new RegExp(`#${seq} .* part-replaced by tech-0042 {2}"left knee actuator"`));
    expect(readable.stdout).toContain('chain: verified');
  });

  it('events pages: --limit walks the log without losing an entry', async () => {
    for (let i = 0; i < 4; i++) expect((await robotId(['maintenance', 'add', '--agent', socket, '--technician', `t${i}`])).status).toBe(0);
    const all = json<{ events: { seq: number }[] }>(await robotId(['events', '--agent', socket, '--all', '--limit', '2', '--json']));
    const seqs = all.events.map((e) => e.seq);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    expect(seqs.length).toBeGreaterThanOrEqual(5);
    const page = json<{ events: { seq: number }[] }>(await robotId(['events', '--agent', socket, '--after', '2', '--limit', '2', '--json']));
    expect(page.events.map((e) => e.seq)).toEqual([3, 4]);
  });

  it('status and show: readable by default, --json for scripts', async () => {
    const status = json(await robotId(['status', '--agent', socket, '--json']));
    expect(status).toMatchObject({ code: unit.code, lifecycle: expect.any(String) });
    expect((status.outbox as { depth: number }).depth).toBeGreaterThanOrEqual(0);
    expect(status.health).toMatchObject({ healthy: true });
    const readable = await robotId(['status', '--agent', socket]);
    expect(readable.stdout).toMatch(/^ {2}code: +\d{29}$/m);
    // Sections for people: no inline JSON, no epoch milliseconds, durations in words.
    for (const title of ['Unit', 'Health', 'Broker', 'Delivery', 'Recalls']) expect(readable.stdout).toMatch(new RegExp(`^${title}$`, 'm'));
    expect(readable.stdout).not.toMatch(/[{}]/);
    expect(readable.stdout).not.toMatch(/\b1\d{12}\b/);
    expect(readable.stdout).toMatch(/running for: +\d+ (ms|s|min|h|d)/);
    const show = await robotId(['show', '--agent', socket, '--trust', join(world.pki.dir, 'root', 'trust.json'), '--json']);
    expect(json(show)).toMatchObject({ verified: true, code: unit.code, enterprise: '1234' });
  });

  it('over TCP: the right bearer token works, a wrong or missing one is refused', async () => {
    const url = `http://127.0.0.1:${tcpPort}`;
    const tokenFile = world.p('token');
    writeFileSync(tokenFile, TOKEN + '\n', { mode: 0o600 });
    const ok = await robotId(['show', '--agent', url, '--token-file', tokenFile, '--json']);
    expect(ok.status).toBe(0);
    expect(json(ok)).toMatchObject({ code: unit.code });
    const wrong = await robotId(['status', '--agent', url, '--token', TOKEN.slice(0, -1) + 'X', '--json']);
    expect(wrong.status).toBe(1);
    expect(json<{ error: { code: string } }>(wrong).error.code).toMatch(/UNAUTHORIZED/);
    expect(wrong.stdout + wrong.stderr).not.toContain(TOKEN.slice(0, 20));
    const missing = await robotId(['status', '--agent', url], { env: { ...process.env, ROBOT_ID_API_TOKEN: '' } });
    expect(missing.status).toBe(2);
  });

  it('exit statuses: refused input 1, usage 2, unreachable 3', async () => {
    const refused = await robotId(['maintenance', 'add', '--agent', socket, '--technician', 'x'.repeat(200), '--json']);
    expect(refused.status).toBe(1);
    expect(json<{ error: { code: string } }>(refused).error.code).toBeTruthy();
    expect((await robotId(['maintenance', 'add', '--agent', socket, '--technician', 't', '--kind', 'scrapped'])).status).toBe(2);
    expect((await robotId(['maintenance', 'add', '--agent', socket])).status).toBe(2);
    const gone = await robotId(['status', '--agent', world.p('no-such.sock'), '--json']);
    expect(gone.status).toBe(3);
    expect(json<{ error: { code: string } }>(gone).error.code).toBe('AGENT_UNREACHABLE');
  });
});

/**
 * `robot-id fleet watch` from the bundle: one JSON object per line for every verified message
 * and state change, rejections with their reason; with --state and --receipt-key it confirms
 * storage, which empties a running agent's outbox.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync } from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { startAgent } from '../../agent/index.js';
import { generateKeyPair, seedSigner, signHeartbeat, unitTopic } from '../../sdk/index.js';
import { repoRoot } from '../helpers/binary.js';
import { startBroker, type TestBroker } from '../helpers/broker.js';
import { makePki, quietLogger, writeRegistry } from '../helpers/pki.js';
import { until } from '../helpers/ingest-recorder.js';

let tmp: string | undefined;
let broker: TestBroker | undefined;
afterAll(async () => {
  await broker?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('robot-id fleet watch', () => {
  it('prints verified messages and rejections as JSON lines and issues receipts', async () => {
    tmp = mkdtempSync(join(tmpdir(), 'rid-watch-'));
    broker = await startBroker();
    const pki = await makePki(join(tmp, 'pki'));
    const unit = await pki.provision();
    const registry = join(tmp, 'registry.jsonl');
    writeRegistry(registry, [unit]);
    const cli = spawn(
      process.execPath,
      [
        join(repoRoot, 'dist/robot-id.cjs'),
        'fleet',
        'watch',
        '--broker',
        broker.url,
        '--trust',
        join(pki.root.dir, 'trust.json'),
        '--registry',
        registry,
        '--state',
        join(tmp, 'ingest'),
        '--receipt-key',
        pki.platform.dir,
        '--json',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const lines: Record<string, unknown>[] = [];
    let buf = '';
    let stderr = '';
    cli.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const parts = buf.split('\n');
      buf = parts.pop()!;
      for (const p of parts) lines.push(JSON.parse(p) as Record<string, unknown>);
    });
    cli.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exit = new Promise<number | null>((r) => cli.once('exit', (c) => r(c)));
    // The watcher's subscription is in place once a probe message comes back rejected.
    const probe = await connectAsync(broker.url, { clientId: 'probe', reconnectPeriod: 0 });
    const forged = await signHeartbeat(seedSigner(generateKeyPair().seed), {
      code: unit.code, boot: 1, counter: 1, time: Math.floor(Date.now() / 1000), uptimeS: 0, state: 'in_service', agentVersion: 'x', firmwareVersion: 'y', outboxDepth: 0, logSeq: 0, logHash: new Uint8Array(32), nextDueBy: 0,
    });
    await until(() => {
      void probe.publishAsync(unitTopic(unit.code, 'hb'), Buffer.from(forged), { qos: 1 });
      return lines.some((l) => l.verified === false);
    }, `the watcher's first line (stderr: ${stderr})`);
    await probe.endAsync();
    expect(lines.find((l) => l.verified === false)).toMatchObject({ code: unit.code, kind: 'heartbeat', verified: false, reason: 'MSG_BAD_SIGNATURE' });

    const agent = await startAgent(unit.config({ brokerUrl: broker.url, heartbeatIntervalMs: 200, reconnectMinMs: 50, reconnectMaxMs: 400 }), { logger: quietLogger() });
    try {
      for (let i = 0; i < 5; i++) await agent.submitEvent({ kind: 'software-update', note: `v${i}` });
      await until(() => agent.outbox.depth() === 0, 'receipts from the watcher');
      await until(() => lines.some((l) => l.kind === 'heartbeat' && l.verified === true), 'a verified heartbeat line');
    } finally {
      await agent.close();
    }
    await until(() => lines.some((l) => l.kind === 'offline'), 'the offline line');
    cli.kill('SIGTERM');
    expect(await exit).toBe(0);

    const events = lines.filter((l) => l.kind === 'event');
    expect(events.map((l) => l.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(events.every((l) => l.verified === true && l.code === unit.code && l.eventKind === 'software-update')).toBe(true);
    for (const kind of ['identity', 'birth', 'online', 'offline']) expect(lines.some((l) => l.kind === kind && l.verified === true)).toBe(true);
    for (const l of lines) expect(l).toHaveProperty('verified');
  }, 60_000);
});

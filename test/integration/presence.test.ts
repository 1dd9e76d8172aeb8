/**
 * Presence with the real executable bundle as the agent process: birth on connect, offline
 * from a missed heartbeat deadline (process frozen with SIGSTOP), online again from its next
 * heartbeat, the Will when the process is SIGKILLed, a late Will of an older session ignored
 * after a restart, and the clean offline message on SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { connectAsync, type MqttClient } from 'mqtt';
import { beforeAll, describe, expect, it } from 'vitest';
import { unitTopic } from '../../sdk/index.js';
import { repoRoot } from '../helpers/binary.js';
import type { TestUnit } from '../helpers/pki.js';
import { emptyRecord, startIngest, until, type Recorded } from '../helpers/ingest-recorder.js';
import type { IngestConnection } from '../../platform/index.js';
import { useWorld } from '../helpers/world.js';

const world = useWorld('rid-presence-', { pki: true });
let unit: TestUnit;
let ingest: IngestConnection;
let spy: MqttClient;
const deaths: Uint8Array[] = [];
const seen: Recorded = emptyRecord();
const procs: ChildProcess[] = [];
world.cleanup(async () => {
  for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  await spy?.endAsync();
  await ingest?.close();
});

function spawnAgent(): ChildProcess {
  const p = spawn(process.execPath, [join(repoRoot, 'dist/robot-id.cjs'), 'agent'], {
    env: {
      PATH: process.env.PATH,
      ROBOT_ID_STATE_DIR: unit.stateDir,
      ROBOT_ID_HARDWARE_ID_SOURCE: unit.hardwareIdFile,
      ROBOT_ID_BROKER_URL: world.broker.url,
      ROBOT_ID_HEARTBEAT_INTERVAL_MS: '300',
      ROBOT_ID_BROKER_KEEPALIVE_SECONDS: '30',
      ROBOT_ID_RECONNECT_MIN_MS: '50',
      ROBOT_ID_RECONNECT_MAX_MS: '500',
      ROBOT_ID_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  procs.push(p);
  return p;
}

function exited(p: ChildProcess): Promise<number | null> {
  return p.exitCode !== null || p.signalCode !== null ? Promise.resolve(p.exitCode) : new Promise((r) => p.once('exit', (code) => r(code)));
}

beforeAll(async () => {
  const { tmp, broker, pki } = world;
  unit = await pki.provision();
  ingest = await startIngest(pki, [unit], broker.url, join(tmp, 'ingest'), { heartbeatGraceMs: 300, into: seen });
  spy = await connectAsync(broker.url, { clientId: 'spy', reconnectPeriod: 0 });
  spy.on('message', (_t, p) => deaths.push(new Uint8Array(p)));
  await spy.subscribeAsync(unitTopic(unit.code, 'death'), { qos: 1 });
});

describe('presence', () => {
  it('follows birth, missed deadline, heartbeat, Will, restart, late Will and clean offline', async () => {
    const first = spawnAgent();
    await until(() => seen.online.some((o) => o.via === 'birth'), 'birth of the first process');
    const boot1 = seen.online.find((o) => o.via === 'birth')!.boot!;
    await until(() => seen.messages.some((m) => m.kind === 'heartbeat'), 'a heartbeat');

    // Frozen: the TCP connection stays up (no Will), but heartbeats stop.
    first.kill('SIGSTOP');
    await until(() => seen.offline.some((o) => o.via === 'deadline'), 'offline from the missed deadline');
    first.kill('SIGCONT');
    await until(() => seen.online.some((o) => o.via === 'heartbeat'), 'online again from a heartbeat');

    // Killed: the broker publishes the Will, which carries the session's birth sequence.
    first.kill('SIGKILL');
    await exited(first);
    await until(() => seen.offline.some((o) => o.via === 'death'), 'offline from the Will');
    expect(seen.offline.find((o) => o.via === 'death')).toMatchObject({ code: unit.code, boot: boot1 });
    expect(deaths.length).toBe(1);

    const second = spawnAgent();
    await until(() => seen.online.some((o) => o.via === 'birth' && o.boot! > boot1), 'birth of the second process');
    const offlineBefore = seen.offline.length;
    // A late Will of the older session changes nothing.
    await spy.publishAsync(unitTopic(unit.code, 'death'), Buffer.from(deaths[0]!), { qos: 1 });
    await until(() => seen.messages.some((m) => m.kind === 'death' && m.stale === true), 'the late Will examined');
    expect(seen.offline.length).toBe(offlineBefore);
    expect(ingest.ingest.presence.get(unit.code)?.online).toBe(true);

    second.kill('SIGTERM');
    expect(await exited(second)).toBe(0);
    await until(() => seen.offline.some((o) => o.via === 'offline'), 'the clean offline message');
    expect(deaths.length).toBe(2); // only the replayed one: an orderly stop sends no Will
    expect(seen.rejected).toEqual([]);
  }, 60_000);
});

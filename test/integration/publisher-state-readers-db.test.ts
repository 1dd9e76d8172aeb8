/**
 * The readers of the platform's revocations take them from the publisher state in PostgreSQL
 * when given --db and no --revocations file: `fleet units --db` lists a unit `robot-id revoke
 * --db` revoked as revoked, `verify --db` calls its record invalid (TRUST_REVOKED), and a
 * running `fleet watch --db` refuses its messages MSG_REVOKED after a revocation made while it
 * runs. `verify` with both --platform-state and --db is refused (STATE_CHOICE, exit 2). Real
 * mosquitto, real agents, real PostgreSQL, the CLI bundle.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startAgent, type Agent } from '../../agent/index.js';
import { cli, startProc } from '../helpers/agent-process.js';
import { until } from '../helpers/ingest-recorder.js';
import { quietLogger, type TestUnit, writeRegistry } from '../helpers/pki.js';
import { postgresAvailable } from '../helpers/postgres.js';
import { useWorld } from '../helpers/world.js';

const available = await postgresAvailable();
const agents: Agent[] = [];

type Line = { code?: string; kind: string; verified: boolean; reason?: string };

describe.skipIf(!available)('revocations read from the publisher state in PostgreSQL', () => {
  const world = useWorld('rid-pubstate-readers-', { pki: true, database: true });
  world.cleanup(async () => {
    for (const a of agents) await a.close();
  });
  it('fleet units --db, verify --db and a running fleet watch --db follow robot-id revoke --db', async () => {
    const { tmp, broker, database, pki } = world;
    const url = database.url;
    const units: TestUnit[] = [await pki.provision(), await pki.provision()];
    const [x, other] = units as [TestUnit, TestUnit];
    const registry = join(tmp, 'registry.jsonl');
    writeRegistry(registry, units);
    const trust = join(pki.root.dir, 'trust.json');
    expect(cli(['platform', 'registry', 'import', registry, '--trust', trust, '--db', url]).status).toBe(0);

    const revoke = (code: string) => {
      const r = cli(['revoke', '--code', code, '--key', pki.platform.dir, '--db', url, '--broker', broker.url, '--json']);
      expect(r.status, r.stderr + r.stdout).toBe(0);
    };
    revoke(x.code);

    const listed = cli(['fleet', 'units', '--db', url, '--trust', trust, '--json']);
    expect(listed.status, listed.stderr).toBe(0);
    const rows = JSON.parse(listed.stdout) as { code: string; revoked: boolean }[];
    expect(Object.fromEntries(rows.map((r) => [r.code, r.revoked]))).toEqual({ [x.code]: true, [other.code]: false });

    const verified = (u: TestUnit) => cli(['verify', u.stateDir, '--trust', trust, '--db', url, '--json']);
    const vx = verified(x);
    expect(vx.status).toBe(1);
    expect((JSON.parse(vx.stdout) as { error: { code: string } }).error.code).toBe('TRUST_REVOKED');
    expect(verified(other).status).toBe(0);
    const both = cli(['verify', other.stateDir, '--trust', trust, '--db', url, '--platform-state', tmp, '--json']);
    expect(both.status).toBe(2);
    expect(JSON.parse(both.stdout)).toEqual({ error: { code: 'STATE_CHOICE', message: expect.stringContaining('got both') } });

    // A running fleet watch --db: X refused from the start, the other unit once revoked meanwhile.
    const watcher = startProc(['fleet', 'watch', '--broker', broker.url, '--trust', trust, '--registry', registry, '--db', url, '--json']);
    const lines = (): Line[] => watcher.lines().flatMap((l) => (l.startsWith('{') ? [JSON.parse(l) as Line] : []));
    for (const u of units) agents.push(await startAgent(u.config({ brokerUrl: broker.url, heartbeatIntervalMs: 300, reconnectMinMs: 50, reconnectMaxMs: 400, resendIntervalMs: 300 }), { logger: quietLogger() }));
    await until(() => lines().some((l) => l.code === other.code && l.verified), `the other unit verified (${watcher.lines().slice(-3).join(' | ')})`, 30_000);
    await until(() => lines().some((l) => l.code === x.code && l.reason === 'MSG_REVOKED'), 'X refused as revoked', 30_000);
    expect(lines().filter((l) => l.code === x.code && l.verified)).toEqual([]);
    revoke(other.code);
    const at = Date.now();
    await until(() => lines().some((l) => l.code === other.code && l.reason === 'MSG_REVOKED'), `the other unit refused once revoked (${watcher.lines().slice(-3).join(' | ')})`, 30_000);
    expect(Date.now() - at).toBeLessThan(5000);
    await watcher.stop();
  }, 120_000);
});

/**
 * The packaging files agree with each other and with the build script: the Dockerfile builds
 * with the pinned Node and the same npm script, runs as non-root with the state directory as
 * a volume and `robot-id health` as its health check; the systemd unit never restarts on a
 * documented "do not run" status and passes `systemd-analyze verify`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DO_NOT_RUN_STATUSES } from '../../agent/index.js';
import { repoRoot } from '../helpers/binary.js';
import { fleetWatchCommand } from '../../cli/commands/fleet.js';
import { fleetIngestCommand } from '../../cli/commands/fleet-ingest.js';
import { recallRepublishCommand } from '../../cli/commands/recall-publish.js';

const read = (p: string) => readFileSync(join(repoRoot, p), 'utf8');
const script = read('scripts/build-binary.mjs');
const dockerfile = read('Dockerfile');
const unit = read('packaging/systemd/robot-id-agent.service');
const docs = read('docs/packaging.md');

const nodeVersion = /export const NODE_VERSION = '(\d+\.\d+\.\d+)';/.exec(script)?.[1];

/** Values of a `Key=value` line in a unit file (every occurrence, comments excluded). */
function unitValues(key: string): string[] {
  return unit
    .split('\n')
    .filter((l) => l.startsWith(`${key}=`))
    .map((l) => l.slice(key.length + 1));
}

/** Instruction lines of the Dockerfile, continuation lines joined. */
function dockerInstructions(): string[] {
  return dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((l) => /^[A-Z]+\s/.test(l));
}

describe('build script', () => {
  it('is what `npm run build:binary` runs, pinned to the Node running the tests', () => {
    const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
    expect(pkg.scripts['build:binary']).toBe('node scripts/build-binary.mjs');
    // The build refuses any other Node; CI must run the pinned one.
    expect(`v${nodeVersion}`).toBe(process.version);
  });
});

describe('Dockerfile', () => {
  const lines = dockerInstructions();

  it('builds with the pinned Node image and the same npm script', () => {
    const froms = lines.filter((l) => l.startsWith('FROM '));
    expect(froms).toHaveLength(2);
    expect(froms[0]).toContain(`node:${nodeVersion}-bookworm-slim`);
    // The runtime base is pinned: a dated Debian 12 tag or a digest, never the moving `bookworm-slim`.
    expect(froms[1]).toMatch(/^FROM debian:bookworm-(\d{8}-slim(@sha256:[0-9a-f]{64})?|slim@sha256:[0-9a-f]{64})\s*$/);
    const runs = lines.filter((l) => l.startsWith('RUN ')).join('\n');
    expect(runs).toContain('npm ci --no-audit --no-fund --ignore-scripts');
    expect(runs).toContain('npm run build:binary -- --arch');
    // The code cache is made in the runtime stage (the target architecture), before USER.
    const at = lines.indexOf('RUN robot-id --write-code-cache');
    expect(at).toBeGreaterThan(lines.findIndex((l) => l.startsWith('COPY --from=build')));
    expect(at).toBeLessThan(lines.findIndex((l) => l.startsWith('USER ')));
  });

  it('runs as a non-root user with the state directory as a volume and from the environment', () => {
    const user = lines.find((l) => l.startsWith('USER '))?.slice(5).trim();
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^(root|0)(:|$)/);
    const env = /ENV ROBOT_ID_STATE_DIR=(\S+)/.exec(dockerfile)?.[1];
    expect(env).toBe('/var/lib/robot-id');
    expect(lines).toContain(`VOLUME ["${env}"]`);
  });

  it('health-checks with `robot-id health` and runs the agent', () => {
    const hc = lines.find((l) => l.startsWith('HEALTHCHECK '));
    expect(hc).toMatch(/CMD \["robot-id", "health"\]$/);
    expect(lines).toContain('ENTRYPOINT ["robot-id"]');
    expect(lines).toContain('CMD ["agent"]');
  });
});

describe('packaging/systemd/robot-id-agent.service', () => {
  it('does not restart on any documented "do not run" status, and only on those', () => {
    const documented = [...docs.matchAll(/^\| (\d+) \| /gm)].map((m) => Number(m[1]));
    expect(documented).toEqual([...DO_NOT_RUN_STATUSES]);
    const prevent = unitValues('RestartPreventExitStatus').flatMap((v) => v.split(/\s+/)).map(Number);
    expect(prevent).toEqual(documented);
    expect(unitValues('Restart')).toEqual(['on-failure']);
  });

  it('runs the agent hardened, as a dedicated user with its state directory', () => {
    expect(unitValues('ExecStart')).toEqual(['/usr/local/bin/robot-id agent --config /etc/robot-id/agent.json']);
    expect(unitValues('User')).toEqual(['robot-id']);
    expect(unitValues('StateDirectory')).toEqual(['robot-id']);
    for (const [key, value] of [
      ['ProtectSystem', 'strict'],
      ['NoNewPrivileges', 'yes'],
      ['PrivateTmp', 'yes'],
      ['ProtectHome', 'yes'],
      ['CapabilityBoundingSet', ''],
    ] as const) {
      expect({ key, values: unitValues(key) }).toEqual({ key, values: [value] });
    }
  });

  it('passes systemd-analyze verify', (ctx) => {
    const which = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
    if (which.error) {
      ctx.skip('systemd-analyze is not installed');
      return;
    }
    // verify insists that ExecStart's program exists: point a copy at one that does.
    const dir = mkdtempSync(join(tmpdir(), 'robot-id-unit-'));
    try {
      const copy = join(dir, 'robot-id-agent.service');
      writeFileSync(copy, unit.replace('/usr/local/bin/robot-id', process.execPath));
      const r = spawnSync('systemd-analyze', ['verify', copy], { encoding: 'utf8' });
      expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('has the systemd-analyze security exposure that docs/packaging.md states', (ctx) => {
    const r = spawnSync('systemd-analyze', ['security', '--offline=true', join(repoRoot, 'packaging', 'systemd', 'robot-id-agent.service')], { encoding: 'utf8' });
    if (r.error) {
      ctx.skip('systemd-analyze is not installed');
      return;
    }
    const measured = /Overall exposure level for robot-id-agent\.service: (\d+\.\d+) (\w+)/.exec(r.stdout);
    expect(measured, r.stdout + r.stderr).not.toBeNull();
    expect(docs).toContain(`rates it **${measured![1]} (${measured![2]})**`);
  });
});

describe('platform systemd units (robot-id-ingest@.service, robot-id-ingest-worker@.service, robot-id-republisher.service)', () => {
  const platformUnits = ['robot-id-ingest@.service', 'robot-id-ingest-worker@.service', 'robot-id-republisher.service'] as const;
  const valuesOf = (text: string, key: string): string[] =>
    text
      .split('\n')
      .filter((l) => l.startsWith(`${key}=`))
      .map((l) => l.slice(key.length + 1));

  it('run the platform commands hardened, as the platform user, restarting on failure', () => {
    const sysusers = read('packaging/systemd/robot-id.sysusers.conf');
    expect(sysusers).toMatch(/^u robot-id-platform /m);
    for (const name of platformUnits) {
      const text = read(`packaging/systemd/${name}`);
      expect({ name, user: valuesOf(text, 'User') }).toEqual({ name, user: ['robot-id-platform'] });
      expect(valuesOf(text, 'Restart')).toEqual(['on-failure']);
      for (const [key, value] of [['ProtectSystem', 'strict'], ['NoNewPrivileges', 'yes'], ['CapabilityBoundingSet', '']] as const) expect({ name, key, values: valuesOf(text, key) }).toEqual({ name, key, values: [value] });
    }
    // Every option a unit passes is one its command takes (it would exit 2 on any other).
    for (const [name, command] of [['robot-id-ingest@.service', fleetWatchCommand], ['robot-id-ingest-worker@.service', fleetIngestCommand], ['robot-id-republisher.service', recallRepublishCommand]] as const) {
      const exec = valuesOf(read(`packaging/systemd/${name}`), 'ExecStart')[0]!;
      expect(exec.startsWith(`/usr/local/bin/robot-id ${command.path.join(' ')} `)).toBe(true);
      const given = [...exec.matchAll(/ --([a-z-]+)/g)].map((m) => m[1]!);
      expect(given.filter((o) => !Object.hasOwn(command.options, o))).toEqual([]);
    }
    expect(valuesOf(read('packaging/systemd/robot-id-ingest@.service'), 'ExecStart')[0]).toMatch(/--state \/var\/lib\/robot-id-platform\/ingest-%i /);
    // The PostgreSQL form: the publisher state and the workers' revocations in the database
    // (ROBOT_ID_PLATFORM_DB from the environment file), not in a state directory.
    for (const name of ['robot-id-republisher.service', 'robot-id-ingest-worker@.service']) {
      const text = read(`packaging/systemd/${name}`);
      expect(text).toMatch(/^#\s+ROBOT_ID_PLATFORM_DB=postgres:\/\//m);
      expect(valuesOf(text, 'ExecStart')[0]).not.toMatch(/ --(state|revocations|recall-state) /);
    }
  });

  it('pass systemd-analyze verify', (ctx) => {
    const which = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
    if (which.error) {
      ctx.skip('systemd-analyze is not installed');
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), 'robot-id-platform-units-'));
    try {
      const files = platformUnits.map((name) => {
        // A template is verified as an instance of it.
        const copy = join(dir, name.replace('@.', '@eu1.'));
        writeFileSync(copy, read(`packaging/systemd/${name}`).replace('/usr/local/bin/robot-id', process.execPath));
        return copy;
      });
      const r = spawnSync('systemd-analyze', ['verify', ...files], { encoding: 'utf8' });
      expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

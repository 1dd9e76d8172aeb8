// dist/robot-id.cjs (built by globalSetup) starts the bundle, or for `robot-id agent` the
// agent's own script, with the V8 code cache made beside it only when the cache names that
// script's exact bytes; otherwise, and in a read-only install, it runs the script as before
// (scripts/bundle.mjs).
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { agentCommand } from '../../cli/commands/agent.js';

const version = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) {
    chmodSync(d, 0o755);
    rmSync(d, { recursive: true, force: true });
  }
});

function install(): string {
  const d = mkdtempSync(join(tmpdir(), 'rid-loader-'));
  dirs.push(d);
  for (const f of ['robot-id.cjs', 'robot-id-bundle.cjs', 'robot-id-bundle.v8cache', 'robot-id-agent.cjs', 'robot-id-agent.v8cache']) copyFileSync(join('dist', f), join(d, f));
  return d;
}
const run = (d: string) => spawnSync(process.execPath, [join(d, 'robot-id.cjs'), '--version'], { encoding: 'utf8', timeout: 20_000 });
// `robot-id agent --help`: the agent's command, started as the agent is, without a unit to run.
const agentUsage = `usage: robot-id ${agentCommand.usage}\n${agentCommand.summary}`;
const runAgent = (d: string) => {
  const r = spawnSync(process.execPath, [join(d, 'robot-id.cjs'), 'agent', '--help'], { encoding: 'utf8', timeout: 20_000 });
  return { status: r.status, signal: r.signal, out: r.stdout.trim(), err: r.stderr };
};
const agentOk = { status: 0, signal: null, out: agentUsage, err: '' };
/** Another script in place of the whole CLI's bundle: whatever runs it fails loudly. */
const breakBundle = (d: string) => {
  writeFileSync(join(d, 'robot-id-bundle.cjs'), "throw new Error('the whole bundle ran');\n");
  rmSync(join(d, 'robot-id-bundle.v8cache'));
};

describe('the bundle loader', () => {
  it('ships a cache made for the bundle beside it', () => {
    const cache = readFileSync('dist/robot-id-bundle.v8cache');
    expect(cache.subarray(0, 32).equals(createHash('sha256').update(readFileSync('dist/robot-id-bundle.cjs')).digest())).toBe(true);
  });

  it('runs the CLI with the cache, without it, with a cache of other bytes, and read-only', () => {
    const d = install();
    expect(run(d).stdout.trim()).toBe(version);
    chmodSync(d, 0o555);
    expect(run(d).stdout.trim()).toBe(version);
    chmodSync(d, 0o755);
    const cache = readFileSync(join(d, 'robot-id-bundle.v8cache'));
    cache[0]! ^= 1;
    writeFileSync(join(d, 'robot-id-bundle.v8cache'), cache);
    expect(run(d).stdout.trim()).toBe(version);
    rmSync(join(d, 'robot-id-bundle.v8cache'));
    expect(run(d).stdout.trim()).toBe(version);
  });

  it('a process still running after 2 s replaces the build\'s cache once, for the same bytes', () => {
    const d = install();
    const file = join(d, 'robot-id-bundle.v8cache');
    // As the build writes it (dist's own may have been replaced already by an agent of another test).
    const built = readFileSync(file);
    built[32] = 0;
    writeFileSync(file, built);
    // The CLI (here without a command: it prints its usage) under a timer that keeps the
    // process 5 s, as a running agent would (the rewrite comes 2 s after the loader starts,
    // which on a loaded machine can be well after the process did).
    spawnSync(process.execPath, ['-e', 'setTimeout(() => {}, 5000)', '-r', join(d, 'robot-id.cjs')], { encoding: 'utf8', timeout: 20_000 });
    const cache = readFileSync(file);
    expect(cache[32]).toBe(1);
    expect(cache.subarray(33, 65).equals(createHash('sha256').update(cache.subarray(65)).digest())).toBe(true);
    expect(cache.subarray(0, 32).equals(createHash('sha256').update(readFileSync(join(d, 'robot-id-bundle.cjs'))).digest())).toBe(true);
    expect(run(d).stdout.trim()).toBe(version);
  });

  it('runs without a cache whose V8 data is damaged, whatever its header says', () => {
    // V8 checks a cache's version, flags and source length, not its contents: without the
    // loader's own hash of the data, these two flipped bytes abort the process inside V8.
    const d = install();
    const file = join(d, 'robot-id-bundle.v8cache');
    const cache = readFileSync(file);
    cache[200]! ^= 0xff;
    cache[cache.length - 100]! ^= 0xff;
    writeFileSync(file, cache);
    const r = run(d);
    expect({ status: r.status, signal: r.signal, out: r.stdout.trim() }).toEqual({ status: 0, signal: null, out: version });
  });

  it('never runs a cache made for other bytes of the same length', () => {
    const d = install();
    const bundle = readFileSync(join(d, 'robot-id-bundle.cjs'), 'latin1');
    // Same length, another version printed: a cache V8 would take by length alone must not be used.
    writeFileSync(join(d, 'robot-id-bundle.cjs'), bundle.split(JSON.stringify(version)).join(JSON.stringify(version.replace(/\d$/, (x) => String((Number(x) + 1) % 10)))), 'latin1');
    const r = run(d);
    expect(r.stdout.trim()).not.toBe(version);
    expect(r.status).toBe(0);
  });

  describe('for `robot-id agent`', () => {
    it('ships the agent alone, smaller than the whole bundle, with a cache made for it', () => {
      const agent = readFileSync('dist/robot-id-agent.cjs');
      const bundle = readFileSync('dist/robot-id-bundle.cjs');
      // None of the other commands' dependencies: the PostgreSQL client, the QR renderer.
      for (const other of ['pg-protocol', 'qrcode']) expect({ other, in: agent.includes(other) }).toEqual({ other, in: false });
      expect(agent.length).toBeLessThan(bundle.length * 0.75);
      const cache = readFileSync('dist/robot-id-agent.v8cache');
      expect(cache.subarray(0, 32).equals(createHash('sha256').update(agent).digest())).toBe(true);
      expect(cache.subarray(33, 65).equals(createHash('sha256').update(cache.subarray(65)).digest())).toBe(true);
    });

    it('starts the agent\'s script, never the whole bundle, and every other command from the bundle', () => {
      const d = install();
      expect(runAgent(d)).toEqual(agentOk);
      breakBundle(d);
      expect(runAgent(d)).toEqual(agentOk);
      const other = run(d);
      expect(other.status).not.toBe(0);
      expect(other.stderr).toContain('the whole bundle ran');
    });

    it('runs the agent with its cache, without it, with a cache of other bytes, damaged, and read-only', () => {
      const d = install();
      breakBundle(d);
      const file = join(d, 'robot-id-agent.v8cache');
      const good = readFileSync(file);
      chmodSync(d, 0o555);
      expect(runAgent(d)).toEqual(agentOk);
      chmodSync(d, 0o755);
      // V8's data damaged, header intact: without the loader's hash V8 aborts inside.
      const damaged = Buffer.from(good);
      damaged[200]! ^= 0xff;
      damaged[damaged.length - 100]! ^= 0xff;
      writeFileSync(file, damaged);
      expect(runAgent(d)).toEqual(agentOk);
      // The whole bundle's cache in its place: made for other bytes.
      copyFileSync(join('dist', 'robot-id-bundle.v8cache'), file);
      expect(runAgent(d)).toEqual(agentOk);
      // Torn: the header alone.
      writeFileSync(file, good.subarray(0, 65));
      expect(runAgent(d)).toEqual(agentOk);
      rmSync(file);
      expect(runAgent(d)).toEqual(agentOk);
    });

    it('says in one line, without a stack trace, that the agent\'s script is missing', () => {
      const d = install();
      rmSync(join(d, 'robot-id-agent.cjs'));
      const r = runAgent(d);
      expect(r.status).toBe(4);
      expect(r.err).toMatch(/^error INTERNAL: cannot read .*robot-id-agent\.cjs: ENOENT[^\n]*\n$/);
    });

    it('never runs a cache made for other agent bytes of the same length', () => {
      const d = install();
      const agent = readFileSync(join(d, 'robot-id-agent.cjs'), 'latin1');
      const summary = JSON.stringify(agentCommand.summary);
      expect(agent).toContain(summary);
      // Same length, another summary printed: a cache V8 would take by length alone must not be used.
      const other = agentCommand.summary.replace(/^r/, 'R');
      writeFileSync(join(d, 'robot-id-agent.cjs'), agent.replace(summary, JSON.stringify(other)), 'latin1');
      expect(runAgent(d)).toEqual({ ...agentOk, out: `usage: robot-id ${agentCommand.usage}\n${other}` });
    });

    it('a process still running after 2 s replaces the build\'s agent cache once, for the same bytes', () => {
      const d = install();
      // The copy's own, as installed: dist's may be replaced meanwhile by a process of another test.
      const bundleCache = readFileSync(join(d, 'robot-id-bundle.v8cache'));
      const file = join(d, 'robot-id-agent.v8cache');
      const built = readFileSync(file);
      built[32] = 0;
      writeFileSync(file, built);
      // `robot-id agent --help` kept 5 s by a preloaded timer, as a running agent would be (the
      // rewrite comes 2 s after the loader starts, later than the process on a loaded machine).
      const keep = join(d, 'keep.cjs');
      writeFileSync(keep, 'setTimeout(() => {}, 5000);\n');
      const r = spawnSync(process.execPath, ['-r', keep, join(d, 'robot-id.cjs'), 'agent', '--help'], { encoding: 'utf8', timeout: 20_000 });
      expect(r.stdout.trim()).toBe(agentUsage);
      const cache = readFileSync(file);
      expect(cache[32]).toBe(1);
      expect(cache.subarray(33, 65).equals(createHash('sha256').update(cache.subarray(65)).digest())).toBe(true);
      expect(cache.subarray(0, 32).equals(createHash('sha256').update(readFileSync(join(d, 'robot-id-agent.cjs'))).digest())).toBe(true);
      // The whole bundle's cache is not touched by an agent.
      expect(readFileSync(join(d, 'robot-id-bundle.v8cache')).equals(bundleCache)).toBe(true);
      expect(runAgent(d)).toEqual(agentOk);
    });
  });
});

/**
 * Smoke test of the single executables: builds them once with the same script as
 * `npm run build:binary` and the Dockerfile, then runs the x64 one natively and the arm64 one
 * under qemu user emulation. Runs in `npm test` (about 10 s of building with the Node
 * binaries cached in dist/.cache, longer the first time); set ROBOT_ID_SKIP_BINARY=1 to skip
 * it in a quick local loop.
 *
 * Both: provision and verify with the executable itself. The native one also runs the agent
 * against a real mosquitto for a few heartbeats, an event and `robot-id health` (the Docker
 * HEALTHCHECK), so every step the Dockerfile takes is exercised here outside Docker.
 */
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { TrustStore, eventKind, heartbeatKind, unitTopic, verifyIdentityRecord, verifyUnitMessage } from '../../sdk/index.js';
import { callAgent } from '../../agent/index.js';
import { startBroker } from '../helpers/broker.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { agentCommand } from '../../cli/commands/agent.js';
import { SEA_ASSETS } from '../../scripts/build-binary.mjs';
import { binaryPath, binaryTarget, buildBinaries, repoRoot, runBinary, startBinary, type Arch, type BinaryTarget, type RunningBinary } from '../helpers/binary.js';

const skipAll = process.env.ROBOT_ID_SKIP_BINARY === '1';
const packageVersion = (JSON.parse(readFileSync(`${repoRoot}/package.json`, 'utf8')) as { version: string }).version;
const ARCHS: readonly Arch[] = ['x64', 'arm64'];
const ELF_MACHINE: Record<Arch, number> = { x64: 0x3e, arm64: 0xb7 };
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
// qemu user emulation of Node's start-up is far slower than native.
const RUN_TIMEOUT_MS = 120_000;
const CODE = '86123400004200000000000000007';

/** root init, enterprise certify and provision, all with the executable under test. */
async function provisionWith(target: BinaryTarget, dir: string, alg: string[] = []): Promise<void> {
  writeFileSync(join(dir, 'hwid'), 'smoke-hw-1\n');
  const steps = [
    ['root', 'init', '--country', '86', '--out', join(dir, 'root'), ...alg],
    ['enterprise', 'certify', '--root', join(dir, 'root'), '--enterprise', '1234', '--name', 'Smoke Co', '--out', join(dir, 'ent'), ...alg],
    ['provision', '--enterprise', join(dir, 'ent'), '--code', CODE, '--model-name', 'S1', '--hardware-id', 'smoke-hw-1', '--state-dir', join(dir, 'robot'), ...alg],
  ];
  for (const args of steps) {
    const r = await runBinary(target, args, { timeoutMs: RUN_TIMEOUT_MS });
    expect({ args, status: r.status, stderr: r.stderr }).toEqual({ args, status: 0, stderr: '' });
  }
}

/** GET / over the agent's local socket (the page needs no token). */
function getPage(socketPath: string): Promise<{ status: number; type: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path: '/' }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function waitFor(check: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.skipIf(skipAll)('single executables (ROBOT_ID_SKIP_BINARY=1 skips)', () => {
  beforeAll(() => {
    // Both are always built (the cross build needs no emulation); only running needs qemu.
    buildBinaries(ARCHS);
  }, 600_000);

  for (const arch of ARCHS) {
    const found = binaryTarget(arch);
    const skipReason = 'reason' in found ? found.reason : undefined;
    const target = found as BinaryTarget;

    describe(`linux-${arch}`, () => {
      it('is a Linux executable for its architecture with the SEA blob injected', () => {
        const bytes = readFileSync(binaryPath(arch));
        expect(bytes.readUInt32BE(0)).toBe(0x7f454c46);
        expect(bytes.readUInt16LE(18)).toBe(ELF_MACHINE[arch]);
        // postject flips the fuse from ':0' to ':1' once the blob is in.
        const at = bytes.indexOf(SEA_FUSE);
        expect(at).toBeGreaterThan(0);
        expect(bytes.toString('latin1', at + SEA_FUSE.length, at + SEA_FUSE.length + 2)).toBe(':1');
        expect(readFileSync(`${binaryPath(arch)}.sha256`, 'utf8')).toMatch(/^[0-9a-f]{64} {2}robot-id-linux-/);
      });

      it.skipIf(skipReason !== undefined)(`--version and version print ${packageVersion}${skipReason ? ` (skipped: ${skipReason})` : ''}`, async () => {
        for (const args of [['--version'], ['version']]) {
          const r = await runBinary(target, args, { timeoutMs: RUN_TIMEOUT_MS });
          expect({ args, status: r.status, stdout: r.stdout }).toEqual({ args, status: 0, stdout: `${packageVersion}\n` });
          // Nothing on stderr: no SEA experimental warning, no failed require() of a native
          // addon or other non-builtin module (the bundle must be self-contained).
          expect(r.stderr).toBe('');
        }
      }, RUN_TIMEOUT_MS * 2);

      it('carries the whole bundle, the agent\'s own script and the page it serves as its assets', () => {
        const bytes = readFileSync(binaryPath(arch));
        expect(Object.keys(SEA_ASSETS)).toEqual(['robot-id-bundle.cjs', 'robot-id-agent.cjs', 'robot-id-page.html']);
        for (const file of Object.values(SEA_ASSETS)) expect({ file, at: bytes.indexOf(readFileSync(join(repoRoot, 'dist', file))) > 0 }).toEqual({ file, at: true });
      });

      it.skipIf(skipReason !== undefined)('starts `robot-id agent` from the agent\'s script, never the whole bundle', async () => {
        // A copy whose whole-bundle asset is replaced, in place and at the same length, by a
        // script that fails loudly: the agent must not notice, every other command must.
        const dir = mkdtempSync(join(tmpdir(), `rid-bin-agent-${arch}-`));
        try {
          const copy: BinaryTarget = { ...target, path: join(dir, 'robot-id') };
          const bytes = readFileSync(binaryPath(arch));
          const bundle = readFileSync(join(repoRoot, 'dist', 'robot-id-bundle.cjs'));
          const at = bytes.indexOf(bundle);
          expect(at).toBeGreaterThan(0);
          Buffer.from("throw new Error('the whole bundle ran');".padEnd(bundle.length, ' '), 'latin1').copy(bytes, at);
          writeFileSync(copy.path, bytes, { mode: 0o755 });
          const agent = await runBinary(copy, ['agent', '--help'], { timeoutMs: RUN_TIMEOUT_MS });
          expect({ status: agent.status, stdout: agent.stdout, stderr: agent.stderr }).toEqual({ status: 0, stdout: `usage: robot-id ${agentCommand.usage}\n${agentCommand.summary}\n`, stderr: '' });
          const other = await runBinary(copy, ['--version'], { timeoutMs: RUN_TIMEOUT_MS });
          expect(other.status).not.toBe(0);
          expect(other.stderr).toContain('the whole bundle ran');
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }, RUN_TIMEOUT_MS * 2);

      it.skipIf(skipReason !== undefined)('writes the V8 code caches of both scripts beside itself, starts from them, and skips a damaged or foreign one', async () => {
        // A copy in a directory of its own: the caches are `<executable>.v8cache` (the whole
        // bundle) and `<executable>.agent.v8cache` (the agent's script).
        const dir = mkdtempSync(join(tmpdir(), `rid-bin-cache-${arch}-`));
        try {
          const copy: BinaryTarget = { ...target, path: join(dir, 'robot-id') };
          copyFileSync(binaryPath(arch), copy.path);
          chmodSync(copy.path, 0o755);
          const bundleCache = `${copy.path}.v8cache`;
          const agentCache = `${copy.path}.agent.v8cache`;
          const status = async () => {
            const lines = (await runBinary(copy, ['--code-cache-status'], { timeoutMs: RUN_TIMEOUT_MS })).stdout.trim().split('\n');
            expect(lines.map((l) => l.slice(l.indexOf(' ') + 1))).toEqual([bundleCache, agentCache]);
            return lines.map((l) => l.split(' ')[0]).join(' ');
          };
          const outcome = async (args: string[]) => {
            const r = await runBinary(copy, args, { timeoutMs: RUN_TIMEOUT_MS });
            return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
          };
          // `robot-id agent --help` starts the agent's script as the agent starts, without a unit.
          const starts = async () => ({ version: await outcome(['--version']), agent: await outcome(['agent', '--help']) });
          const ok = {
            version: { status: 0, signal: null, stdout: `${packageVersion}\n`, stderr: '' },
            agent: { status: 0, signal: null, stdout: `usage: robot-id ${agentCommand.usage}\n${agentCommand.summary}\n`, stderr: '' },
          };
          expect(await status()).toBe('absent absent');
          expect(await starts()).toEqual(ok);
          const w = await runBinary(copy, ['--write-code-cache'], { timeoutMs: RUN_TIMEOUT_MS });
          expect(w).toMatchObject({ status: 0, stdout: `code cache written: ${bundleCache}\ncode cache written: ${agentCache}\n` });
          const caches = [bundleCache, agentCache].map((f) => readFileSync(f));
          for (const cache of caches) {
            expect(cache[32]).toBe(2);
            expect(cache.subarray(33, 65).equals(createHash('sha256').update(cache.subarray(65)).digest())).toBe(true);
          }
          expect(caches[1]!.subarray(0, 32).equals(createHash('sha256').update(readFileSync(join(repoRoot, 'dist', 'robot-id-agent.cjs'))).digest())).toBe(true);
          expect(await status()).toBe('used used');
          expect(await starts()).toEqual(ok);
          for (const [i, file] of [bundleCache, agentCache].entries()) {
            // Two flipped bytes of V8's data: V8 would abort at start ("Invalid bytecode"); the
            // cache's own hash keeps it from V8.
            const damaged = Buffer.from(caches[i]!);
            damaged[200]! ^= 0xff;
            damaged[damaged.length - 100]! ^= 0xff;
            writeFileSync(file, damaged);
            expect(await status()).toBe(i === 0 ? 'mismatch used' : 'used mismatch');
            expect(await starts()).toEqual(ok);
            // A cache for other script bytes: the other script's.
            writeFileSync(file, caches[1 - i]!);
            expect(await status()).toBe(i === 0 ? 'mismatch used' : 'used mismatch');
            expect(await starts()).toEqual(ok);
            writeFileSync(file, caches[i]!);
          }
          expect(await status()).toBe('used used');
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }, RUN_TIMEOUT_MS * 8);

      if (arch === process.arch) {
        it('the build leaves the code caches the executable uses', async () => {
          const r = await runBinary(target, ['--code-cache-status'], { timeoutMs: RUN_TIMEOUT_MS });
          expect(r.stdout).toBe(`used ${binaryPath(arch)}.v8cache\nused ${binaryPath(arch)}.agent.v8cache\n`);
        });
      }

      it.skipIf(skipReason !== undefined)('rejects an unknown command with the usage status', async () => {
        const r = await runBinary(target, ['no-such-command'], { timeoutMs: RUN_TIMEOUT_MS });
        expect(r.status).toBe(2);
        expect(r.stderr).toContain('unknown command: no-such-command');
        expect(r.stderr).toContain('usage: robot-id');
      }, RUN_TIMEOUT_MS);

      it.skipIf(skipReason !== undefined)('the Dockerfile HEALTHCHECK command exists in the executable', async (ctx) => {
        const help = await runBinary(target, ['--help'], { timeoutMs: RUN_TIMEOUT_MS });
        expect(help.status).toBe(0);
        if (!/^\s+health\b/m.test(help.stdout)) {
          ctx.skip('`robot-id health` is not implemented yet (technician issue)');
          return;
        }
        const r = await runBinary(target, ['health', '--help'], { timeoutMs: RUN_TIMEOUT_MS });
        expect(r.status).toBe(0);
      }, RUN_TIMEOUT_MS * 2);

      it.skipIf(skipReason !== undefined).each([['ed25519'], ['sm2']])('provision and verify round trip (%s)', async (alg) => {
        const dir = mkdtempSync(join(tmpdir(), `rid-bin-${arch}-`));
        try {
          await provisionWith(target, dir, ['--alg', alg]);
          const ok = await runBinary(target, ['verify', join(dir, 'robot'), '--trust', join(dir, 'root', 'trust.json'), '--json'], { timeoutMs: RUN_TIMEOUT_MS });
          expect(ok.status).toBe(0);
          expect(JSON.parse(ok.stdout)).toMatchObject({ valid: true, code: CODE, deviceAlg: alg });
          // One flipped byte of the record: rejected with a typed reason and status 1.
          const record = readFileSync(join(dir, 'robot', 'identity.cose'));
          record[record.length - 3]! ^= 0x01;
          writeFileSync(join(dir, 'tampered.cose'), record);
          const bad = await runBinary(target, ['verify', join(dir, 'tampered.cose'), '--trust', join(dir, 'root', 'trust.json'), '--json'], { timeoutMs: RUN_TIMEOUT_MS });
          expect(bad.status).toBe(1);
          expect(JSON.parse(bad.stdout)).toMatchObject({ valid: false, error: { code: 'TRUST_BAD_SIGNATURE' } });
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }, RUN_TIMEOUT_MS * 6);

      if (arch === process.arch) {
        it('runs the agent against a real broker: heartbeats, an event, health', async () => {
          const dir = mkdtempSync(join(tmpdir(), `rid-bin-agent-`));
          const broker = await startBroker();
          const observer = await mqtt.connectAsync(broker.url, { protocolVersion: 4, reconnectPeriod: 0 });
          let agent: RunningBinary | undefined;
          try {
            await provisionWith(target, dir);
            const trust = TrustStore.load(join(dir, 'root', 'trust.json'));
            const identity = verifyIdentityRecord(new Uint8Array(readFileSync(join(dir, 'robot', 'identity.cose'))), trust);
            const heartbeats: number[] = [];
            const events: string[] = [];
            observer.on('message', (topic, payload) => {
              if (topic === unitTopic(CODE, 'hb')) heartbeats.push(verifyUnitMessage(heartbeatKind, new Uint8Array(payload), identity).value.counter);
              if (topic === unitTopic(CODE, 'evt')) events.push(verifyUnitMessage(eventKind, new Uint8Array(payload), identity).value.kind);
            });
            await observer.subscribeAsync([unitTopic(CODE, 'hb'), unitTopic(CODE, 'evt')], { qos: 1 });
            const env = {
              ...process.env,
              ROBOT_ID_STATE_DIR: join(dir, 'robot'),
              ROBOT_ID_BROKER_URL: broker.url,
              ROBOT_ID_HARDWARE_ID_SOURCE: join(dir, 'hwid'),
              ROBOT_ID_HEARTBEAT_INTERVAL_MS: '300',
              // Every entry signed on the signing thread: proves the eval worker runs inside the executable.
              ROBOT_ID_SIGNING_THREAD: 'always',
            };
            agent = startBinary(target, ['agent'], { env });
            await agent.waitForLine((l) => l.includes('broker connected'), 30_000);
            await waitFor(() => heartbeats.length >= 3, 'three verified heartbeats');
            const added = await runBinary(target, ['event', 'add', '--kind', 'maintenance', '--note', 'smoke test'], { env, timeoutMs: RUN_TIMEOUT_MS });
            expect(added.status).toBe(0);
            await waitFor(() => events.includes('maintenance'), 'the event on the wire');
            // A burst through the local socket, on the signing thread too; every entry verifies.
            const burst = await Promise.all(
              Array.from({ length: 24 }, (_, i) => callAgent<{ seq: number }>({ socketPath: join(dir, 'robot', 'agent.sock') }, 'POST', '/v1/events', { kind: 'fault', note: `burst ${i}` }, 10_000)),
            );
            expect(burst.map((b) => b.status)).toEqual(Array(24).fill(201));
            expect(new Set(burst.map((b) => b.body.seq)).size).toBe(24);
            await waitFor(() => events.filter((k) => k === 'fault').length === 24, 'the burst on the wire, every entry verified');
            // The Docker HEALTHCHECK: same executable, same command.
            const health = await runBinary(target, ['health'], { env, timeoutMs: RUN_TIMEOUT_MS });
            expect(health.status).toBe(0);
            expect(health.stdout).toMatch(/^healthy/);
            // The technician's page, served by the agent's script from the executable's asset.
            const page = await getPage(join(dir, 'robot', 'agent.sock'));
            expect({ status: page.status, type: page.type }).toEqual({ status: 200, type: 'text/html; charset=utf-8' });
            expect(page.body === readFileSync(join(repoRoot, 'dist', 'page', 'robot-id-page.html'), 'utf8')).toBe(true);
            expect(heartbeats).toEqual([...heartbeats].sort((a, b) => a - b));
            const stopped = await agent.stop();
            expect(stopped.status).toBe(0);
          } finally {
            await agent?.stop();
            await observer.endAsync();
            await broker.stop();
            rmSync(dir, { recursive: true, force: true });
          }
        }, RUN_TIMEOUT_MS);
      }
    });
  }
});

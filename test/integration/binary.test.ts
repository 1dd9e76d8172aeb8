/**
 * Smoke test of the single executables: builds them once with the same script as
 * `npm run build:binary` and the Dockerfile, then runs the x64 one natively and the arm64 one
 * under qemu user emulation. Runs in `npm test` (about 10 s of building with the Node
 * binaries cached in dist/.cache, longer the first time); set ROBOT_ID_SKIP_BINARY=1 to skip
 * it in a quick local loop.
 *
 * To extend with provision / verify / agent: use runBinary for one-shot commands and
 * startBinary + waitForLine + stop for the agent, inside the `for (const arch ...)` block.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { binaryPath, binaryTarget, buildBinaries, repoRoot, runBinary, type Arch, type BinaryTarget } from '../helpers/binary.js';

const skipAll = process.env.ROBOT_ID_SKIP_BINARY === '1';
const packageVersion = (JSON.parse(readFileSync(`${repoRoot}/package.json`, 'utf8')) as { version: string }).version;
const ARCHS: readonly Arch[] = ['x64', 'arm64'];
const ELF_MACHINE: Record<Arch, number> = { x64: 0x3e, arm64: 0xb7 };
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
// qemu user emulation of Node's start-up is far slower than native.
const RUN_TIMEOUT_MS = 120_000;

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

      // To come with the provision/verify/agent commands (issue 8): x64 provision, verify, an
      // agent against a real broker for a few heartbeats, an event, `robot-id health`;
      // arm64 at least provision and verify.
      it.todo('provision and verify round trip');
      if (arch === 'x64') it.todo('agent against a real broker: heartbeats, an event, health');
    });
  }
});

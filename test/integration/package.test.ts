/**
 * The package as someone outside this repository gets it: `npm pack`, installed from the
 * tarball into a new project, the SDK imported from ESM, a consumer type-checked with tsc
 * against the shipped declarations, the bin run. The install prefers the npm cache that
 * `npm ci` filled (`--prefer-offline`): npm ci caches the dependencies' tarballs but not the
 * registry's version lists a fresh install resolves against, so a strictly offline install
 * cannot resolve `cbor-x@1.6` on a clean machine.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { repoRoot } from '../helpers/binary.js';

let dir: string;
let tarball: string;
let files: string[];
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rid-package-'));
  // What prepack does: the declarations and modules, and the CLI bundle.
  execFileSync('npm', ['run', '-s', 'build'], { cwd: repoRoot, stdio: 'pipe' });
  execFileSync(process.execPath, ['scripts/bundle.mjs'], { cwd: repoRoot, stdio: 'pipe' });
  const packed = JSON.parse(execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: repoRoot, encoding: 'utf8' })) as { filename: string; files: { path: string }[] }[];
  tarball = join(dir, packed[0]!.filename);
  files = packed[0]!.files.map((f) => f.path);
}, 180_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('asks an SDK user for what the SDK needs only: the agent\'s logger is an optional peer', () => {
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; peerDependenciesMeta?: Record<string, { optional?: boolean }> };
  expect(Object.keys(pkg.dependencies).sort()).toEqual(['@noble/ed25519', 'cbor-x', 'mqtt', 'pg']);
  expect(pkg.peerDependenciesMeta?.pino?.optional).toBe(true);
  // The SDK itself loads neither the broker client nor the database client: those are the
  // agent's and the platform services' (robot-id/agent, robot-id/platform).
  const sdkFiles = execFileSync('find', [join(repoRoot, 'dist/sdk'), '-name', '*.js'], { encoding: 'utf8' }).trim().split('\n');
  const loads = sdkFiles.filter((f) => /from ['"](mqtt|pg)['"]/.test(readFileSync(f, 'utf8')));
  expect(loads).toEqual([]);
});

it('ships the built SDK, agent and bin, and no tests or sources', () => {
  for (const f of ['dist/sdk/index.js', 'dist/sdk/index.d.ts', 'dist/platform/index.js', 'dist/agent/index.js', 'dist/agent/index.d.ts', 'dist/robot-id.cjs', 'dist/robot-id-bundle.cjs', 'dist/robot-id-bundle.v8cache', 'dist/robot-id-agent.cjs', 'dist/robot-id-agent.v8cache', 'bin/robot-id.cjs', 'README.md']) expect(files).toContain(f);
  expect(files.filter((f) => f.startsWith('test/') || f.endsWith('.test.ts') || f.startsWith('sdk/') || f.startsWith('scripts/'))).toEqual([]);
});

it('installs into a new project: ESM import, tsc against the declarations, and the bin', () => {
  const app = join(dir, 'app');
  execFileSync('mkdir', ['-p', app]);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', type: 'module', private: true }));
  // pino is an optional peer: only the agent (robot-id/agent) logs, so only its users add it.
  const install = spawnSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', tarball, 'pino@10'], { cwd: app, encoding: 'utf8' });
  expect(install.status, install.stderr).toBe(0);

  const run = spawnSync(process.execPath, ['--input-type=module', '-e', "import { parseCode, formatCode, VERSION } from 'robot-id'; import { startAgent } from 'robot-id/agent'; console.log(JSON.stringify({ code: formatCode(parseCode('86123456789012345678901234567')), agent: typeof startAgent, VERSION }));"], { cwd: app, encoding: 'utf8' });
  expect(run.status, run.stderr).toBe(0);
  expect(JSON.parse(run.stdout)).toMatchObject({ code: '86-1234-567890-12345678901234567', agent: 'function' });

  writeFileSync(join(app, 'consumer.ts'), "import { parseCode, type RobotCode } from 'robot-id';\nconst c: RobotCode = parseCode('86123456789012345678901234567');\nexport const enterprise: string = c.enterprise;\n");
  writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noEmit: true, skipLibCheck: false, types: [] }, files: ['consumer.ts'] }));
  const tsc = spawnSync(process.execPath, [join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', app], { cwd: app, encoding: 'utf8' });
  expect(tsc.status, tsc.stdout + tsc.stderr).toBe(0);

  const bin = spawnSync(join(app, 'node_modules', '.bin', 'robot-id'), ['--version'], { encoding: 'utf8' });
  expect(bin.status, bin.stderr).toBe(0);
  expect(bin.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  // `robot-id agent` starts from the agent's own script in the installed package: it needs
  // nothing of the whole bundle.
  rmSync(join(app, 'node_modules', 'robot-id', 'dist', 'robot-id-bundle.cjs'));
  const agent = spawnSync(join(app, 'node_modules', '.bin', 'robot-id'), ['agent', '--help'], { encoding: 'utf8' });
  expect({ status: agent.status, stderr: agent.stderr }).toEqual({ status: 0, stderr: '' });
  expect(agent.stdout).toContain('usage: robot-id agent');
}, 180_000);

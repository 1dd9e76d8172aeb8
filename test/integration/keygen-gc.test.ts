// Key generation under constant garbage collection. Node 20 deadlocks (the thread waits on a
// mutex it holds) when a freshly generated KeyObject is exported while a collection destroys
// its key-generation job; sdk/keys/pem.ts generateKeyPair avoids exporting a KeyObject at all.
// The old code hung in about one of three such runs of 50,000 pairs: three children in
// parallel make a regression all but certain to show here as a timeout.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/binary.js';

function stress(n: number, timeoutMs: number): Promise<{ status: number | null; signal: string | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--max-semi-space-size=1', '--import', 'tsx', 'test/fixtures/keygen-stress.ts', String(n)], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, out });
    });
  });
}

describe('key generation under garbage collection', () => {
  it('generates 3 x 50,000 Ed25519 pairs with a 1 MB young generation without hanging', async () => {
    // About 2.5 s of CPU each on this machine; a hang is killed after 60 s.
    const runs = await Promise.all([1, 2, 3].map(() => stress(50_000, 60_000)));
    for (const r of runs) {
      expect(r.signal, `a key generation run hung (deadlock) and was killed:\n${r.out}`).toBeNull();
      expect(r.status, r.out).toBe(0);
      expect(r.out).toContain('generated 50000');
    }
  }, 120_000);
});

/**
 * The verification threads (platform/ingest/verify-pool.ts) answer true only for claims that
 * node:crypto verifies, call every job back exactly once, and leave to the ingest the claims of
 * a thread that hangs (ended after `stallMs`) or dies; past the restart cap no thread is left
 * and every claim goes to the ingest, none lost.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { COSE_ALG_EDDSA, generateKeyPair, nodeEd25519, type SignatureClaim, type SignatureProof } from '../../sdk/index.js';
import { VerifyPool } from '../../platform/ingest/verify-pool.js';

const key = generateKeyPair();
function claimOf(i: number, valid = true): SignatureClaim {
  const message = new Uint8Array(200).fill(i & 0xff);
  const signature = nodeEd25519.sign(message, key.seed);
  if (!valid) signature[3] ^= 1;
  return { alg: COSE_ALG_EDDSA, publicKey: key.publicKey, message, signature, longLived: i % 2 === 0 };
}

let pool: VerifyPool | undefined;
afterEach(async () => {
  await pool?.close();
  pool = undefined;
});

function run(p: VerifyPool, jobs: SignatureClaim[][]): Promise<SignatureProof[][]> {
  return new Promise((resolve) => {
    const out: SignatureProof[][] = [];
    let left = jobs.length;
    jobs.forEach((claims, i) =>
      p.submit(claims, (proven) => {
        expect(out[i]).toBeUndefined(); // once
        out[i] = proven;
        if (--left === 0) resolve(out);
      }),
    );
  });
}

describe('VerifyPool', () => {
  it('proves exactly the claims that verify, each job answered once', async () => {
    pool = new VerifyPool({ threads: 2, sliceClaims: 16 });
    // No thread before the first claims.
    expect(pool.workers).toHaveLength(0);
    const jobs = Array.from({ length: 300 }, (_, i) => [claimOf(i, i % 7 !== 0), claimOf(i + 1)]);
    const out = await run(pool, jobs);
    out.forEach((proven, i) => expect(proven).toEqual(jobs[i]!.filter((_, k) => k === 1 || i % 7 !== 0)));
    expect(pool.stats.refused).toBe(jobs.filter((_, i) => i % 7 === 0).length);
    expect(pool.stats.unanswered).toBe(0);
    expect(pool.inFlight).toBe(0);
    expect(pool.workers).toHaveLength(2);
  });

  it('ends a thread that answers nothing in time; past the restart cap every claim goes to the ingest', async () => {
    // Nothing answers within 0 ms: every thread is ended, replaced twice, then none is left.
    pool = new VerifyPool({ threads: 1, stallMs: 0, maxRestartsPerMinute: 2 });
    let answered = 0;
    for (let round = 0; round < 4; round++) {
      const out = await run(pool, Array.from({ length: 50 }, (_, i) => [claimOf(i)]));
      answered += out.length;
      // Let the ended thread's replacement (if any) start before the next round.
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(answered).toBe(200);
    expect(pool.stats.restarts).toBe(2);
    expect(pool.workers).toHaveLength(0);
    expect(pool.stats.unanswered + pool.stats.proven).toBe(200);
    expect(pool.stats.unanswered).toBeGreaterThanOrEqual(150);
    // With no thread left, a job is answered at once, with nothing proven.
    expect(await run(pool, [[claimOf(1)]])).toEqual([[]]);
  });
});

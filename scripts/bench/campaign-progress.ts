/**
 * Campaign progress on the ingest's metrics (platform/campaigns/progress.ts) for a large fleet:
 * N units, one active recall of their model in the publisher state, each unit's stored acks
 * (verified, then applied) fed as the store would. Times the first computation (reads and
 * decodes every ack), a steady one (no new ack: every kept ack verified again) and the longest
 * stretch the event loop was held (what an ingest on the same loop waits at worst).
 * Run: npx tsx scripts/bench/campaign-progress.ts [units=10000] [runs=5]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecallPublisher, Revocations, signRecall, signRecallAck } from '../../sdk/index.js';
import { CampaignProgress } from '../../platform/campaigns/progress.js';
import { FilesPublisherStore } from '../../platform/store/files/publisher-files.js';
import type { StoredAck } from '../../platform/campaigns/ack-feed.js';
import { loadNote, machine } from './harness.js';
import { ENTERPRISE, MODEL, makePki, makeUnit, unitCode } from './pki.js';

const N = Number(process.argv[2] ?? 10000);
const RUNS = Number(process.argv[3] ?? 5);
const dir = mkdtempSync(join(tmpdir(), 'rid-bench-campaign-'));
try {
  const pki = await makePki(join(dir, 'pki'));
  const now = Math.floor(Date.now() / 1000);
  const units: Awaited<ReturnType<typeof makeUnit>>[] = [];
  for (let i = 0; i < N; i++) units.push(await makeUnit(pki.enterprise, unitCode(i + 1), now));
  const notice = await signRecall(
    { recallId: 'R-BENCH', revision: 1, campaignId: 'C-BENCH', issuer: 'bench-platform', issuedAt: now - 60, notBefore: now - 60, notAfter: now + 86400, action: 'notify', reason: 'bench', remedy: 'none', target: { enterprise: ENTERPRISE, model: MODEL }, status: 'active' },
    pki.platform.signer,
    pki.platform.certificate!,
  );
  const stateDir = join(dir, 'state');
  const store = new FilesPublisherStore(stateDir);
  const publisher = new RecallPublisher({ store, signer: pki.platform.signer, certificate: pki.platform.certificate!, country: '86', trust: pki.root.trust });
  await publisher.publish(notice, { publishRetained: async () => undefined });
  const acks: StoredAck[] = [];
  for (const u of units) {
    for (const [seq, status] of [[1, 'verified'], [2, 'applied']] as const) {
      acks.push({ code: u.code, bytes: await signRecallAck(u.signer, { code: u.code, seq, recallId: 'R-BENCH', revision: 1, campaignId: 'C-BENCH', status, time: now }) });
    }
  }
  let fed = false;
  let clock = Date.now();
  const progress = new CampaignProgress({
    recallState: store,
    trust: pki.root.trust,
    units: () => units.map((u) => u.identity),
    revocations: () => Revocations.none,
    acks: { next: async () => (fed ? [] : ((fed = true), acks)) },
    now: () => clock,
  });
  const times: number[] = [];
  const stalls: number[] = [];
  let firstMs = 0;
  let counts = '';
  for (let r = 0; r <= RUNS; r++) {
    clock += 60_000; // past the cache period: compute again
    // The longest gap between two turns of a 1 ms timer: what other work on the loop waits.
    let prev = performance.now();
    let worst = 0;
    const ticker = setInterval(() => {
      const t = performance.now();
      worst = Math.max(worst, t - prev);
      prev = t;
    }, 1);
    const s = await progress.current();
    await new Promise((r) => setTimeout(r, 20));
    clearInterval(ticker);
    stalls.push(worst);
    if (r === 0) firstMs = s.computeMs;
    else times.push(s.computeMs);
    counts = JSON.stringify(s.campaigns[0]);
  }
  times.sort((a, b) => a - b);
  console.log(`campaign progress, ${N} units, ${acks.length} stored acks, one campaign (${machine()}${loadNote()})`);
  console.log(`  counts: ${counts}`);
  console.log(`  first computation (reads and decodes every ack): ${firstMs.toFixed(0)} ms`);
  console.log(`  steady computation (median of ${RUNS}): ${times[Math.floor(times.length / 2)]!.toFixed(0)} ms (min ${times[0]!.toFixed(0)}, max ${times[times.length - 1]!.toFixed(0)})`);
  console.log(`  longest event-loop delay: first computation ${stalls[0]!.toFixed(0)} ms, steady ${Math.max(...stalls.slice(1)).toFixed(0)} ms`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

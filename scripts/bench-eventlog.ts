// Event log throughput: one event at a time (a write + fdatasync each) against group commit
// (many submitters at once share each write + fdatasync). Real files, real fsync, real Ed25519.
// Run: npx tsx scripts/bench-eventlog.ts [events] [dir]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes32, seedSigner } from '../sdk/index.js';
import { EventLog } from '../agent/eventlog/index.js';

const n = Number(process.argv[2] ?? 2000);
const base = process.argv[3] ?? tmpdir();
const signer = seedSigner(randomBytes32());

async function open(dir: string): Promise<EventLog> {
  return EventLog.open({
    path: join(dir, 'events.log'),
    quarantineDir: join(dir, 'q'),
    code: '86123456789012345678901234567',
    signer,
    maxBytes: 1 << 30,
    reserveBytes: 1 << 16,
    now: () => Math.floor(Date.now() / 1000),
  });
}

async function run(label: string, concurrency: number): Promise<number> {
  const dir = mkdtempSync(join(base, 'rid-bench-'));
  const log = await open(dir);
  const t0 = process.hrtime.bigint();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        next++;
        await log.append({ kind: 'maintenance', note: 'benchmark event with a short note' });
      }
    }),
  );
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  await log.close();
  rmSync(dir, { recursive: true, force: true });
  const rate = n / s;
  console.log(`${label.padEnd(28)} ${n} events in ${s.toFixed(2)} s = ${rate.toFixed(0)} events/s`);
  return rate;
}

const single = await run('one at a time (per-event)', 1);
for (const c of [8, 64, 256]) {
  const group = await run(`group commit, ${c} in flight`, c);
  console.log(`  ratio vs per-event: ${(group / single).toFixed(1)}x`);
}

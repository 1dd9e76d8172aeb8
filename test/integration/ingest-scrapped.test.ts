// The ingest and a scrapped unit: its scrapped event, with a scrap order that verifies, is
// reported once durable (for the platform's revocations); without one it is stored and
// nothing is revoked. Once the code is revoked as scrapped, the unit's resent final event is
// still answered with a receipt (the unit destroys its key on it) while its heartbeats and new
// entries are refused. Real keys, real files, the real ingest.
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  FleetIngest,
  GENESIS_HASH,
  Revocations,
  STATE_FILES,
  entryHash,
  readPrivateKeyFile,
  seedSigner,
  signEvent,
  signHeartbeat,
  signOrder,
  unitTopic,
  type EventPayload,
  type Signer,
} from '../../sdk/index.js';
import { makePki, type Pki, type TestUnit } from '../helpers/pki.js';
import { openFilesStore } from '../../platform/index.js';

let dir: string;
let pki: Pki;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rid-ingest-scrapped-'));
  pki = await makePki(join(dir, 'pki'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A unit's chained events, signed with its real device key. */
async function chain(unit: TestUnit, kinds: { kind: EventPayload['kind']; order?: Uint8Array }[]): Promise<Uint8Array[]> {
  const device: Signer = seedSigner(readPrivateKeyFile(join(unit.stateDir, STATE_FILES.deviceKey)).seed);
  let prev: Uint8Array = GENESIS_HASH;
  const out: Uint8Array[] = [];
  const time = Math.floor(Date.now() / 1000);
  for (const [i, k] of kinds.entries()) {
    const bytes = await signEvent(device, { code: unit.code, seq: i + 1, prevHash: prev, time, ...k });
    prev = entryHash(bytes);
    out.push(bytes);
  }
  return out;
}

async function scrapOrder(unit: TestUnit): Promise<Uint8Array> {
  const now = Math.floor(Date.now() / 1000);
  return signOrder(pki.enterprise.signer, pki.enterprise.certificate!, { code: unit.code, transition: 'scrapped', orderId: new Uint8Array(randomBytes(16)), issuedAt: now, notAfter: now + 3600 });
}

function ingestFor(units: TestUnit[], name: string) {
  const receipts: string[] = [];
  const ingest = new FleetIngest({
    trust: pki.root.trust,
    store: openFilesStore(join(dir, name)),
    registry: units.map((u) => ({ code: u.code, identity: u.identity.bytes })),
    receipts: { signer: pki.platform.signer, certificate: pki.platform.certificate! },
    publish: (topic) => receipts.push(topic),
    receiptMinIntervalMs: 0,
    receiptRepeatMs: 0,
  });
  const scrapped: string[] = [];
  const rejected: string[] = [];
  ingest.on('scrapped', (s) => scrapped.push(`${s.code}:${s.seq}`));
  ingest.on('rejected', (r) => rejected.push(`${r.kind}:${r.reason}`));
  return { ingest, receipts, scrapped, rejected };
}

it('a scrapped event with a verified order is reported once durable; the unit still gets receipts for what it resends, nothing new', async () => {
  const unit = await pki.provision();
  const [maint, scrap] = await chain(unit, [{ kind: 'maintenance' }, { kind: 'scrapped', order: await scrapOrder(unit) }]);
  const { ingest, receipts, scrapped, rejected } = ingestFor([unit], 'ordered');
  ingest.handle(unitTopic(unit.code, 'evt'), maint!);
  ingest.handle(unitTopic(unit.code, 'evt'), scrap!);
  expect(scrapped).toEqual([]); // not before it is durable
  await ingest.flush();
  expect(scrapped).toEqual([`${unit.code}:2`]);
  expect(receipts).toHaveLength(1);

  ingest.setRevocations(new Revocations({ scrapped: [unit.code] }));
  // The receipt was lost: the unit resends its final event, and is answered.
  ingest.handle(unitTopic(unit.code, 'evt'), scrap!);
  await ingest.flush();
  expect(receipts).toHaveLength(2);
  expect(rejected).toEqual([]);
  // Anything new from it is refused: a scrapped unit may not operate.
  const device = seedSigner(readPrivateKeyFile(join(unit.stateDir, STATE_FILES.deviceKey)).seed);
  const after = await signEvent(device, { code: unit.code, seq: 3, prevHash: entryHash(scrap!), time: Math.floor(Date.now() / 1000), kind: 'maintenance' });
  ingest.handle(unitTopic(unit.code, 'evt'), after);
  const now = Math.floor(Date.now() / 1000);
  const hb = await signHeartbeat(device, {
    code: unit.code, boot: 1, counter: 1, time: now, uptimeS: 1, state: 'scrapped', agentVersion: 't', firmwareVersion: '', outboxDepth: 0, logSeq: 2, logHash: entryHash(scrap!), nextDueBy: now + 30,
  });
  ingest.handle(unitTopic(unit.code, 'hb'), hb);
  expect(rejected).toEqual(['event:MSG_REVOKED', 'heartbeat:MSG_REVOKED']);
  expect(ingest.marksOf(unit.code).event).toBe(2);
  await ingest.close();
});

it('a scrapped event without a scrap order that verifies is stored but revokes nothing', async () => {
  const unit = await pki.provision();
  const other = await pki.provision();
  // No order at all, and an order for another unit.
  const bare = await chain(unit, [{ kind: 'scrapped' }]);
  const foreign = await chain(other, [{ kind: 'scrapped', order: await scrapOrder(unit) }]);
  const { ingest, scrapped } = ingestFor([unit, other], 'unordered');
  ingest.handle(unitTopic(unit.code, 'evt'), bare[0]!);
  ingest.handle(unitTopic(other.code, 'evt'), foreign[0]!);
  await ingest.flush();
  expect(ingest.marksOf(unit.code).event).toBe(1);
  expect(ingest.marksOf(other.code).event).toBe(1);
  expect(scrapped).toEqual([]);
  await ingest.close();
});

/**
 * The event log loses its tail after the platform confirmed it (a cut file, as a failing disk or
 * a restored image leaves it): the agent never signs those seqs again, records the loss as a
 * signed `lost-entries` chain-break, delivers it like any event, and the platform reports the
 * range as lost on the robot and confirms everything after it. Real mosquitto, real ingest.
 */
import { mkdtempSync, readFileSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { startAgent } from '../../agent/index.js';
import { FRAME_HEADER_BYTES } from '../../agent/storage/index.js';
import { decodeChainBreak, eventKind, openSign1 } from '../../sdk/index.js';
import { startBroker } from '../helpers/broker.js';
import { makePki, quietLogger } from '../helpers/pki.js';
import { emptyRecord, startIngest, until } from '../helpers/ingest-recorder.js';

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

it('entries confirmed then cut from the log: new events never reuse their seqs and the platform confirms them', async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'rid-lost-tail-'));
  cleanup.push(async () => rmSync(tmp, { recursive: true, force: true }));
  const broker = await startBroker();
  cleanup.push(() => broker.stop());
  const pki = await makePki(join(tmp, 'pki'));
  const unit = await pki.provision();
  const seen = emptyRecord();
  const ingest = await startIngest(pki, [unit], broker.url, join(tmp, 'ingest'), { into: seen });
  cleanup.push(() => ingest.close());
  const config = unit.config({ brokerUrl: broker.url, heartbeatIntervalMs: 300, reconnectMinMs: 50, reconnectMaxMs: 400, resendIntervalMs: 300 });

  const first = await startAgent(config, { logger: quietLogger() });
  for (let i = 1; i <= 10; i++) await first.submitEvent({ kind: 'maintenance', note: `job ${i}` });
  await until(() => first.outbox.confirmed('event') === 10, 'all 10 confirmed by the platform');
  let end5 = 0;
  for (const r of first.eventLog.read(0, 5)) end5 += FRAME_HEADER_BYTES + r.bytes.length;
  await first.close();

  const logPath = join(unit.stateDir, 'events.log');
  expect(readFileSync(logPath).length).toBeGreaterThan(end5 + 4);
  truncateSync(logPath, end5 + 4);

  const second = await startAgent(config, { logger: quietLogger() });
  cleanup.push(() => second.close());
  const lostEntry = second.eventLog.read(10, 1)[0]!;
  expect(lostEntry.seq).toBe(11);
  const opened = openSign1(eventKind, lostEntry.bytes).value;
  expect(opened.kind).toBe('chain-break');
  expect(decodeChainBreak(opened.data!)).toMatchObject({ afterSeq: 5, beforeSeq: 11, reason: 'lost-entries', lostBytes: 4 });

  const seqs: number[] = [];
  for (let i = 1; i <= 5; i++) seqs.push((await second.submitEvent({ kind: 'maintenance', note: `after ${i}` })).seq);
  expect(seqs).toEqual([12, 13, 14, 15, 16]);
  await until(() => second.outbox.confirmed('event') === 16, 'the chain-break and the 5 new events confirmed', 30_000);
  expect(ingest.ingest.marksOf(unit.code).event).toBe(16);
  // Every new entry reached the platform, none was taken for a duplicate of an old one.
  const stored = seen.messages.filter((m) => m.kind === 'event').map((m) => m.seq);
  expect(stored).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
  expect(seen.lost).toEqual([{ code: unit.code, seq: 11, from: 6, to: 10, stored: 5 }]);
  expect(seen.gaps).toEqual([]);
  expect(seen.chains).toEqual([]);
}, 90_000);

/**
 * The identity records the ingest keeps in its store (files backend, real keys): a unit learned
 * from its identity topic is known to the next ingest over the same directory without the topic;
 * a re-issue with a higher recordVersion replaces the kept record, an older one never does; a
 * kept record that does not verify is passed over and named.
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FleetIngest, entryHash, loadSigner, signEvent, signIdentityRecord, unitTopic, type Signer } from '../../sdk/index.js';
import { openFilesStore } from '../../platform/store/files/files-store.js';
import { IDENTITIES_FILE } from '../../platform/store/files/identities-file.js';
import { makePki, type Pki } from '../helpers/pki.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function setup(): Promise<{ pki: Pki; dir: string }> {
  const root = mkdtempSync(join(tmpdir(), 'rid-identities-'));
  dirs.push(root);
  return { pki: await makePki(join(root, 'pki')), dir: join(root, 'ingest') };
}

function open(pki: Pki, dir: string): { ingest: FleetIngest; rejected: string[] } {
  const ingest = new FleetIngest({ trust: pki.root.trust, store: openFilesStore(dir) });
  const rejected: string[] = [];
  ingest.on('rejected', (r) => rejected.push(r.reason));
  return { ingest, rejected };
}

async function event(device: Signer, code: string, seq: number, prev: Uint8Array): Promise<Uint8Array> {
  return signEvent(device, { code, seq, prevHash: prev, time: Math.floor(Date.now() / 1000), kind: 'maintenance' });
}

describe('identity records kept by the ingest store', () => {
  it('lets the next ingest verify a unit it learned from the wire, without the identity topic', async () => {
    const { pki, dir } = await setup();
    const unit = await pki.provision();
    const device = loadSigner(join(unit.stateDir, 'device.key'));
    const first = open(pki, dir);
    first.ingest.handle(unitTopic(unit.code, 'identity'), unit.identity.bytes);
    const e1 = await event(device, unit.code, 1, new Uint8Array(32));
    first.ingest.handle(unitTopic(unit.code, 'evt'), e1);
    await first.ingest.close();
    expect(readFileSync(join(dir, IDENTITIES_FILE), 'utf8').trim().split('\n')).toHaveLength(1);

    const second = open(pki, dir);
    expect(second.ingest.storedIdentities.loaded).toBe(1);
    second.ingest.handle(unitTopic(unit.code, 'evt'), await event(device, unit.code, 2, entryHash(e1)));
    expect(second.rejected).toEqual([]);
    expect(second.ingest.marksOf(unit.code).event).toBe(2);
    // Seen again, the same record is not written again.
    second.ingest.handle(unitTopic(unit.code, 'identity'), unit.identity.bytes);
    await second.ingest.close();
    expect(readFileSync(join(dir, IDENTITIES_FILE), 'utf8').trim().split('\n')).toHaveLength(1);
  });

  it('keeps a higher recordVersion, never rolls back to an older one, and passes over a record that does not verify', async () => {
    const { pki, dir } = await setup();
    const unit = await pki.provision();
    const stranger = await pki.provision();
    const { v: _v, ...input } = unit.identity.record;
    const v2 = await signIdentityRecord(pki.enterprise.signer, { ...input, recordVersion: input.recordVersion + 1 });
    const first = open(pki, dir);
    first.ingest.handle(unitTopic(unit.code, 'identity'), v2);
    // The older record, replayed over the newer: refused, not kept.
    first.ingest.handle(unitTopic(unit.code, 'identity'), unit.identity.bytes);
    expect(first.rejected).toEqual(['MSG_REPLAYED']);
    await first.ingest.close();
    // A line whose record is not its code's (another unit's record under this code), as a
    // tampered store would hold it.
    appendFileSync(join(dir, IDENTITIES_FILE), JSON.stringify({ code: '86123456789000000000000000000', identity: Buffer.from(stranger.identity.bytes).toString('base64'), recordVersion: 9 }) + '\n');
    // A record whose signature was altered: passed over, the message naming why.
    const altered = await pki.provision();
    const bytes = Buffer.from(altered.identity.bytes);
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0x01;
    appendFileSync(join(dir, IDENTITIES_FILE), JSON.stringify({ code: altered.code, identity: bytes.toString('base64'), recordVersion: 1 }) + '\n');

    const second = open(pki, dir);
    expect(second.ingest.identities.get(unit.code).record.recordVersion).toBe(input.recordVersion + 1);
    expect(second.ingest.storedIdentities.problems.map((p) => [p.code, p.reason])).toEqual([
      ['86123456789000000000000000000', 'MSG_WRONG_UNIT'],
      [altered.code, 'MSG_UNKNOWN_UNIT'],
    ]);
    expect(second.ingest.storedIdentities.problems[1]!.message).toMatch(/does not verify/);
    await second.ingest.close();
  });
});

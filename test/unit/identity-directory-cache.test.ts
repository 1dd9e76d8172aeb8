// The platform's identity directory verifies each enterprise certificate once (its own bounded
// certificate cache), while revocations are still judged for every record.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { IdentityDirectory, Revocations, keyId, kidHex } from '../../sdk/index.js';
import { makePki, type Pki, type TestUnit } from '../helpers/pki.js';

let dir: string;
let pki: Pki;
const units: TestUnit[] = [];
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rid-iddir-'));
  pki = await makePki(dir);
  for (let i = 0; i < 20; i++) units.push(await pki.provision());
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('twenty units of one enterprise: its certificate is verified once, then taken from the cache', () => {
  const d = new IdentityDirectory(pki.root.trust);
  for (const u of units) d.add(u.code, u.identity.bytes);
  for (const u of units) expect(d.get(u.code).code.code).toBe(u.code);
  expect(d.certCacheStats).toMatchObject({ misses: 1, hits: 19 });
});

it('a cached certificate is still judged against the revocations of the moment', () => {
  const d = new IdentityDirectory(pki.root.trust);
  for (const u of units) d.add(u.code, u.identity.bytes);
  d.get(units[0]!.code);
  d.setRevocations(new Revocations({ keys: [kidHex(keyId(pki.enterprise.signer.publicKey))] }));
  expect(() => d.get(units[1]!.code)).toThrow(expect.objectContaining({ code: 'MSG_REVOKED' }));
  expect(() => d.get(units[0]!.code)).toThrow(expect.objectContaining({ code: 'MSG_REVOKED' }));
});

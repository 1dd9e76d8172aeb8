// sdk/provision: the factory step writes a state directory the agent can trust.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ENTERPRISE_DEFAULT_ROLES, STATE_FILES, TrustStore, certify, hardwareBinding, initRoot, kidHex, keyId, provisionUnit, readPrivateKeyFile, toHex, verifyIdentityRecord } from '../../sdk/index.js';

const dir = mkdtempSync(join(tmpdir(), 'robot-id-provision-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const p = (...x: string[]): string => join(dir, ...x);
const NOW = 1_760_000_000;

describe('provisionUnit', async () => {
  const root = initRoot({ dir: p('root'), country: '86' });
  const ent = await certify({ root, dir: p('ent'), subjectKind: 'enterprise', subject: '1234', name: 'E', roles: [...ENTERPRISE_DEFAULT_ROLES], notBefore: NOW - 10 });

  it('writes identity, device key (0600), trust store, registration and layout; the record verifies from the files alone', async () => {
    const out = await provisionUnit({ enterprise: ent, code: '86 1234 567890 00000000000000001', modelName: 'H1', hardwareId: 'hw-1', stateDir: p('unit'), now: NOW, registryFile: p('reg.jsonl') });
    expect(out.identity.code.code).toBe('86123456789000000000000000001');
    expect(statSync(p('unit', STATE_FILES.deviceKey)).mode & 0o777).toBe(0o600);
    const trust = TrustStore.load(p('unit', STATE_FILES.trust));
    const v = verifyIdentityRecord(new Uint8Array(readFileSync(p('unit', STATE_FILES.identity))), trust);
    const device = readPrivateKeyFile(p('unit', STATE_FILES.deviceKey));
    expect(toHex(v.record.devicePublicKey)).toBe(toHex(device.publicKey));
    expect(toHex(v.record.hardwareBinding)).toBe(toHex(hardwareBinding(v.code.code, 'hw-1')));
    expect(v.record).toMatchObject({ issuedAt: NOW, manufactureDate: '2025-10-09', recordVersion: 1, modelName: 'H1' });
    const reg = JSON.parse(readFileSync(p('unit', STATE_FILES.registration), 'utf8')) as { deviceKid: string; identity: string };
    expect(reg.deviceKid).toBe(kidHex(keyId(device.publicKey)));
    expect(Buffer.from(reg.identity, 'base64').equals(readFileSync(p('unit', STATE_FILES.identity)))).toBe(true);
    expect(readFileSync(p('reg.jsonl'), 'utf8').trim().split('\n')).toHaveLength(1);
    // the raw hardware identifier is not in any file
    for (const f of Object.values(STATE_FILES)) expect(readFileSync(p('unit', f)).includes('hw-1')).toBe(false);
  });

  it('refuses another enterprise\'s code, an empty hardware id, a bad date, and overwriting', async () => {
    await expect(provisionUnit({ enterprise: ent, code: '86567800000000000000000000001', modelName: 'x', hardwareId: 'h', stateDir: p('u2') })).rejects.toMatchObject({ code: 'TRUST_ENTERPRISE_MISMATCH' });
    await expect(provisionUnit({ enterprise: ent, code: '86123400000000000000000000002', modelName: 'x', hardwareId: '  ', stateDir: p('u3') })).rejects.toThrow(RangeError);
    await expect(provisionUnit({ enterprise: ent, code: '86123400000000000000000000002', modelName: 'x', hardwareId: 'h', stateDir: p('u4'), manufactureDate: '2025/01/01' })).rejects.toThrow(RangeError);
    await expect(provisionUnit({ enterprise: ent, code: '86123456789000000000000000001', modelName: 'x', hardwareId: 'h', stateDir: p('unit') })).rejects.toThrow(/already provisioned/);
    for (const d of ['u2', 'u3', 'u4']) expect(existsSync(p(d, STATE_FILES.identity))).toBe(false);
    await expect(provisionUnit({ enterprise: root, code: '86123400000000000000000000002', modelName: 'x', hardwareId: 'h', stateDir: p('u5') })).rejects.toMatchObject({ code: 'KEY_FORMAT' });
  });
});

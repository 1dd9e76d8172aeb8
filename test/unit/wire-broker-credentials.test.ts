/** Broker logins and the backoff: known answers and bounds (the real mosquitto check is in test/integration/broker-acl). */
import { describe, expect, it } from 'vitest';
import { brokerCredentials, checkMosquittoPassword, mosquittoAcl, mosquittoPasswordLine } from '../../sdk/index.js';
import { Backoff } from '../../agent/link/backoff.js';

describe('mosquitto password lines', () => {
  it('match mosquitto_passwd 2.0 output for a known salt', () => {
    // `mosquitto_passwd -b pw alice secret` wrote this line (salt and hash base64).
    const line = 'alice:$7$101$CJMOoY5BDxzZIL5N$6TKYnngl5reQiQWeimagyAwNThNbt/OZJX+l8Kd8nmBqtkDYHet86um0Linkfyo9PRujVCBFQM5feKa4f6GM4A==';
    const salt = new Uint8Array(Buffer.from('CJMOoY5BDxzZIL5N', 'base64'));
    expect(mosquittoPasswordLine({ username: 'alice', password: 'secret' }, { salt })).toBe(line);
    expect(checkMosquittoPassword(line, 'secret')).toBe(true);
    expect(checkMosquittoPassword(line, 'Secret')).toBe(false);
  });

  it('issues 256-bit passwords only to codes and platform-* names', () => {
    const c = brokerCredentials('86123456789012345678901234567');
    expect(Buffer.from(c.password, 'base64url').length).toBe(32);
    expect(brokerCredentials('platform-ingest').username).toBe('platform-ingest');
    for (const bad of ['admin', 'platform-', '86 1234', 'a:b', '#', 'rid/v1']) expect(() => brokerCredentials(bad)).toThrow(RangeError);
  });

  it('writes an ACL that grants units only their own channels', () => {
    const acl = mosquittoAcl([{ username: 'platform-ingest', role: 'ingest' }]);
    expect(acl).toContain('pattern write rid/v1/u/%u/evt');
    expect(acl).not.toMatch(/pattern (write|readwrite) rid\/v1\/u\/%u\/receipt/);
    expect(acl).not.toMatch(/pattern (write|readwrite) rid\/v1\/(recall|index)/);
    expect(() => mosquittoAcl([{ username: 'admin', role: 'recall' }])).toThrow(RangeError);
  });
});

describe('backoff', () => {
  it('waits a full-jitter random time under a doubling, capped ceiling, and resets', () => {
    let r = 0.999;
    const b = new Backoff({ minMs: 100, maxMs: 1000, random: () => r });
    const ceilings = [100, 200, 400, 800, 1000, 1000];
    for (const c of ceilings) expect(b.next()).toBe(Math.floor(0.999 * c));
    r = 0;
    expect(b.next()).toBe(0);
    b.reset();
    r = 0.5;
    expect(b.next()).toBe(50);
    expect(() => new Backoff({ minMs: 0, maxMs: 10 })).toThrow(RangeError);
  });
});

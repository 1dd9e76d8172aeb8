// Property tests over the chain of trust: flipping any single byte of a signed identity record,
// a certificate or a COSE_Sign makes verification fail with a typed error (never success, never
// a raw exception); random bytes and the shared hostile table never crash any verifier.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CoseError,
  EncodingError,
  Revocations,
  RobotIdError,
  TrustError,
  TrustStore,
  decodeMulti,
  fromHex,
  openMulti,
  seedSigner,
  signObjectMulti,
  addSignature,
  bytesEqual,
  verifyCertificate,
  verifyIdentityRecord,
  verifyMultiIssuer,
  verifySign1Issuer,
  decodeSign1,
  certificateKind,
  ROLES,
  type Certificate,
  type Role,
} from '../../sdk/index.js';
import type { TrustVectors } from '../../scripts/gen-trust-vectors.js';
import { HOSTILE, hostileEnvelopes, hostileVariants } from '../helpers/hostile.js';
import { outcome } from '../helpers/outcome.js';

const V = JSON.parse(readFileSync('test/vectors/records.json', 'utf8')) as TrustVectors;
const trust = TrustStore.fromJSON(V.trustStore);
const RECORD = fromHex(V.records.valid[0]!.hex);
const CERT = V.certificates.valid[0]!;
const CERT_BYTES = fromHex(CERT.hex);
const T0 = V.times.T0;

/** Runs f; returns the TrustError code, 'VALID', or fails the test on any other outcome. */
function trustOutcome(f: () => unknown): string {
  return outcome(f, TrustError);
}

function flip(bytes: Uint8Array, at: number, xor: number): Uint8Array {
  const out = Uint8Array.from(bytes);
  out[at]! ^= xor;
  return out;
}

const verifyRecord = (b: Uint8Array): unknown => verifyIdentityRecord(b, trust);
const verifyCert = (b: Uint8Array): unknown => verifyCertificate(b, trust, { at: CERT.at, role: CERT.role as Role, subjectKinds: CERT.subjectKinds });

describe('flipping any single byte fails with a typed reason', () => {
  it('identity record: every byte position, one flip each (exhaustive)', () => {
    expect(trustOutcome(() => verifyRecord(RECORD))).toBe('VALID');
    const seen = new Set<string>();
    for (let i = 0; i < RECORD.length; i++) {
      const got = trustOutcome(() => verifyRecord(flip(RECORD, i, 0x01)));
      expect(got, `byte ${i}`).not.toBe('VALID');
      seen.add(got);
    }
    // the flips land in the structure, the enterprise certificate and both signatures
    expect(seen).toContain('TRUST_BAD_SIGNATURE');
    expect(seen).toContain('TRUST_MALFORMED');
  });

  it('identity record: random position and random non-zero xor', () => {
    fc.assert(
      fc.property(fc.nat({ max: RECORD.length - 1 }), fc.integer({ min: 1, max: 255 }), (at, x) => {
        expect(trustOutcome(() => verifyRecord(flip(RECORD, at, x)))).not.toBe('VALID');
      }),
      { numRuns: 1500 },
    );
  });

  it('certificate: every byte position', () => {
    expect(trustOutcome(() => verifyCert(CERT_BYTES))).toBe('VALID');
    for (let i = 0; i < CERT_BYTES.length; i++) {
      expect(trustOutcome(() => verifyCert(flip(CERT_BYTES, i, 0x80))), `byte ${i}`).not.toBe('VALID');
    }
  });

  it('COSE_Sign with two certified signers: any flipped byte fails one of the issuer checks', async () => {
    // A COSE_Sign co-signed by a platform key and an enterprise key, each carrying its certificate.
    const platform = seedSigner(fromHex(V.keys.platform.seed));
    const platformCert = fromHex(V.certificates.valid[1]!.hex);
    const enterprise = seedSigner(fromHex(V.keys.enterprise1234.seed));
    const entCert = CERT_BYTES;
    let bytes = await signObjectMulti(certificateKind, { v: 1, ...sampleCert() }, platform, platformCert);
    bytes = await addSignature(bytes, enterprise, { maxBytes: 8192, unprotected: new Map([[-65537, entCert]]) });
    const check = (b: Uint8Array): string => {
      try {
        const opened = openMulti(certificateKind, b);
        const [s0, s1] = opened.cose.signatures;
        if (!s0 || !s1) return 'MISSING';
        verifyMultiIssuer(opened.cose, s0, trust, { at: T0 + 400 * 86400, role: ROLES.recallIssue });
        verifyMultiIssuer(opened.cose, s1, trust, { at: T0 + 400 * 86400, role: ROLES.recallIssue });
        return 'VALID';
      } catch (err) {
        if (!(err instanceof RobotIdError)) throw err;
        return err.code;
      }
    };
    expect(check(bytes)).toBe('VALID');
    for (let i = 0; i < bytes.length; i++) {
      expect(check(flip(bytes, i, 0x04)), `byte ${i}`).not.toBe('VALID');
    }
  });

  it('revocation is matched exactly: random other kids never revoke, the right one always does', () => {
    const deviceKid = V.records.valid[0]!.deviceKid!;
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (kid) => {
        const hex = Buffer.from(kid).toString('hex');
        const outcome = trustOutcome(() => verifyIdentityRecord(RECORD, trust, { revocations: new Revocations({ keys: [hex] }) }));
        expect(outcome).toBe(hex === deviceKid ? 'TRUST_REVOKED' : 'VALID');
      }),
    );
    expect(trustOutcome(() => verifyIdentityRecord(RECORD, trust, { revocations: new Revocations({ keys: [deviceKid.toUpperCase()] }) }))).toBe('TRUST_REVOKED');
  });
});

function sampleCert(): Omit<Certificate, 'v'> {
  return {
    subjectKind: 'enterprise',
    subject: '4321',
    name: 'co-signed',
    country: '86',
    publicKey: new Uint8Array(32).fill(3),
    notBefore: T0,
    notAfter: T0 + 1000,
    roles: [ROLES.identityIssue],
    serial: new Uint8Array(16),
  };
}

describe('random bytes and hostile inputs never crash a verifier', () => {
  const verifiers: Record<string, (b: Uint8Array) => unknown> = {
    verifyIdentityRecord: verifyRecord,
    verifyCertificate: verifyCert,
    verifySign1Issuer: (b) => verifySign1Issuer(decodeSign1Typed(b), trust, { at: T0, role: ROLES.recallIssue }),
    verifyMultiIssuer: (b) => {
      const m = decodeMultiTyped(b);
      return verifyMultiIssuer(m, m.signatures[0]!, trust, { at: T0, role: ROLES.recallIssue });
    },
  };

  it.each(Object.keys(verifiers))('%s: random bytes are a typed error', (name) => {
    const f = verifiers[name]!;
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (b) => {
        expectTyped(() => f(b));
      }),
      { numRuns: 500 },
    );
  });

  it.each(Object.keys(verifiers))('%s: random bytes with a valid record prefix are a typed error', (name) => {
    const f = verifiers[name]!;
    fc.assert(
      fc.property(fc.nat({ max: RECORD.length }), fc.uint8Array({ maxLength: 64 }), (cut, tail) => {
        const b = Uint8Array.from([...RECORD.subarray(0, cut), ...tail]);
        // A tail that rebuilds the record's own last bytes gives back the valid record itself.
        if (bytesEqual(b, RECORD)) return;
        expectTyped(() => f(b));
      }),
      { numRuns: 500 },
    );
  });

  const table = [...HOSTILE, ...hostileEnvelopes(), ...hostileVariants(RECORD), ...hostileVariants(CERT_BYTES)];
  it.each(table.map((h) => [`${h.kind}: ${h.name}`, h.bytes] as const))('hostile %s', (_n, bytes) => {
    for (const f of Object.values(verifiers)) expectTyped(() => f(bytes));
    // The identity and certificate verifiers fold everything into TrustError.
    expect(() => verifyRecord(bytes)).toThrow(TrustError);
    expect(() => verifyCert(bytes)).toThrow(TrustError);
  });
});

function decodeSign1Typed(b: Uint8Array): ReturnType<typeof decodeSign1> {
  return decodeSign1(b, { maxBytes: 4096 });
}
function decodeMultiTyped(b: Uint8Array): ReturnType<typeof decodeMulti> {
  return decodeMulti(b, { maxBytes: 4096 });
}

function expectTyped(f: () => unknown): void {
  try {
    f();
  } catch (err) {
    if (err instanceof TrustError || err instanceof CoseError || err instanceof EncodingError) return;
    throw new Error(`expected a typed RobotIdError, got ${(err as Error)?.name}: ${(err as Error)?.message}`, { cause: err });
  }
  throw new Error('expected rejection, but it verified');
}

// test/vectors/recalls.json: every committed notice is judged as recorded (accepted, or its one
// RecallRejectedError code), with both Ed25519 backends, and rebuilding from the fixed seeds
// reproduces the committed bytes exactly.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RecallRejectedError, TrustStore, fromHex, nobleEd25519, nodeEd25519, parseCode, verifyPolicy, verifyRecallNotice } from '../../sdk/index.js';
import { buildRecallVectors, type RecallVectors } from '../../scripts/gen-recall-vectors.js';

const V = JSON.parse(readFileSync('test/vectors/recalls.json', 'utf8')) as RecallVectors;
const trust = TrustStore.fromJSON(V.trustStore);

describe('committed recall vectors', () => {
  it('cover acceptance and every rejection reason a signed notice can earn', () => {
    const reasons = new Set(V.notices.map((n) => n.expect));
    for (const r of ['accepted', 'RECALL_TARGET', 'RECALL_THRESHOLD', 'RECALL_SCOPE', 'RECALL_ROLE', 'RECALL_CERT_EXPIRED', 'RECALL_BAD_SIGNATURE', 'RECALL_EXPIRED', 'RECALL_NOT_YET_VALID', 'RECALL_LIFETIME', 'RECALL_WRONG_KIND', 'RECALL_MALFORMED']) {
      expect(reasons, r).toContain(r);
    }
  });

  it.each(V.notices.map((n) => [n.name, n] as const))('%s', (_name, n) => {
    for (const backend of [nodeEd25519, nobleEd25519]) {
      let got = 'accepted';
      try {
        verifyRecallNotice(fromHex(n.hex), { trust, now: n.now, unit: parseCode(n.unit), thresholds: n.thresholds, backend });
      } catch (err) {
        expect(err).toBeInstanceOf(RecallRejectedError);
        got = (err as RecallRejectedError).code;
      }
      expect(got).toBe(n.expect);
    }
  });

  it('the policy verifies under the committed trust store', () => {
    expect(verifyPolicy(fromHex(V.policy.hex), trust).policy.thresholds).toEqual(V.policy.thresholds);
  });

  it('are reproduced exactly from the fixed seeds', async () => {
    expect(JSON.parse(JSON.stringify(await buildRecallVectors()))).toEqual(V);
  });
});

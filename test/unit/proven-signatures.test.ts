/**
 * Proofs of signatures checked ahead (sdk/crypto/proven.ts) spare a check only for the exact
 * algorithm, key, bytes and signature proven: a proof for one message never lets another
 * through, a small-order key is refused whatever the proofs say, and a proof lives until its
 * last holder drops it. The ingest given the wrapped backend refuses a tampered heartbeat
 * though the genuine one's proof is held.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  COSE_ALG_EDDSA,
  ED25519_SMALL_ORDER_KEYS,
  FleetIngest,
  PreVerifier,
  ProvenSignatures,
  decodeSign1,
  generateKeyPair,
  nodeEd25519,
  nodeEd25519Unkept,
  seedSigner,
  sigStructure1,
  signHeartbeat,
  unitTopic,
  type IngestRejection,
} from '../../sdk/index.js';
import { makePki, type Pki, type TestUnit } from '../helpers/pki.js';
import { loadSigner } from '../../sdk/index.js';

const key = generateKeyPair();
const msgA = new TextEncoder().encode('message A');
const msgB = new TextEncoder().encode('message B');
const sigA = nodeEd25519.sign(msgA, key.seed);
const proof = { alg: COSE_ALG_EDDSA, publicKey: key.publicKey, message: msgA, signature: sigA };

/** A backend that refuses everything: what it answers true came from a proof. */
const refusing = { ...nodeEd25519Unkept, verify: () => false };

describe('ProvenSignatures', () => {
  it('answers from a proof only for exactly its bytes', () => {
    const proven = new ProvenSignatures();
    proven.add(proof);
    const b = proven.backend(refusing);
    expect(b.verify(sigA, msgA, key.publicKey)).toBe(true);
    expect(b.verify(sigA, Uint8Array.from(msgA), Uint8Array.from(key.publicKey))).toBe(true);
    // The signature proven for A, asked about for B: the inner backend decides (here: no).
    expect(b.verify(sigA, msgB, key.publicKey)).toBe(false);
    expect(b.verify(sigA, msgA.subarray(1), key.publicKey)).toBe(false);
    expect(b.verify(sigA, msgA, generateKeyPair().publicKey)).toBe(false);
    const flipped = Uint8Array.from(sigA);
    flipped[5] ^= 1;
    expect(b.verify(flipped, msgA, key.publicKey)).toBe(false);
    // Another algorithm's proof stands for nothing here.
    const other = new ProvenSignatures();
    other.add({ ...proof, alg: -70000 });
    expect(other.backend(refusing).verify(sigA, msgA, key.publicKey)).toBe(false);
    expect(proven.stats).toEqual({ hits: 2, misses: 4 });
  });

  it('never stands in for the checks made before any cryptography', () => {
    const proven = new ProvenSignatures();
    const weak = Buffer.from(ED25519_SMALL_ORDER_KEYS[0]!, 'hex');
    const forged = new Uint8Array(64); // R = identity, S = 0
    forged[0] = 1;
    proven.add({ alg: COSE_ALG_EDDSA, publicKey: weak, message: msgA, signature: forged });
    expect(proven.backend(refusing).verify(forged, msgA, weak)).toBe(false);
    proven.add({ ...proof, signature: sigA.subarray(0, 63) });
    expect(proven.backend(refusing).verify(sigA.subarray(0, 63), msgA, key.publicKey)).toBe(false);
  });

  it('keeps a proof until its last holder drops it', () => {
    const proven = new ProvenSignatures();
    proven.add(proof);
    proven.add({ ...proof, message: Uint8Array.from(msgA) });
    expect(proven.size).toBe(1);
    proven.delete(proof);
    expect(proven.backend(refusing).verify(sigA, msgA, key.publicKey)).toBe(true);
    proven.delete(proof);
    expect(proven.size).toBe(0);
    expect(proven.backend(refusing).verify(sigA, msgA, key.publicKey)).toBe(false);
    proven.delete(proof); // nothing held: no effect
    expect(proven.size).toBe(0);
  });
});

describe('the ingest over proven signatures', () => {
  let tmp: string;
  let pki: Pki;
  let unit: TestUnit;
  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'rid-proven-'));
    pki = await makePki(join(tmp, 'pki'));
    unit = await pki.provision();
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('refuses a tampered heartbeat while the genuine one is proven', async () => {
    const proven = new ProvenSignatures();
    const ingest = new FleetIngest({ trust: pki.root.trust, registry: [{ code: unit.code, identity: unit.identity.bytes }], backend: proven.backend(nodeEd25519Unkept) });
    const rejected: IngestRejection[] = [];
    ingest.on('rejected', (r) => rejected.push(r));
    const t = Math.floor(Date.now() / 1000);
    const hb = { code: unit.code, boot: 1, counter: 1, time: t, uptimeS: 1, state: 'in_service', agentVersion: 'x', firmwareVersion: 'y', outboxDepth: 0, logSeq: 0, logHash: new Uint8Array(32), nextDueBy: t + 60 };
    const genuine = await signHeartbeat(loadSigner(join(unit.stateDir, 'device.key')), hb);
    const tampered = Uint8Array.from(genuine);
    tampered[tampered.length - 70] ^= 1;
    // What the threads would prove for the genuine heartbeat (and the unit's record).
    const claims = new PreVerifier(ingest.identities).claims(unitTopic(unit.code, 'hb'), genuine);
    expect(claims).toHaveLength(2);
    for (const c of claims) proven.add(c);
    ingest.handle(unitTopic(unit.code, 'hb'), tampered);
    expect(rejected.map((r) => r.reason)).toEqual(['MSG_BAD_SIGNATURE']);
    ingest.handle(unitTopic(unit.code, 'hb'), genuine);
    expect(ingest.stats.verified).toBe(1);
    expect(proven.stats.hits).toBeGreaterThanOrEqual(2);
    // A stranger's heartbeat with a proof of its own (true: the stranger did sign it) is still
    // refused: the ingest asks about the unit's key, not the stranger's.
    const stranger = seedSigner(generateKeyPair().seed);
    const forged = await signHeartbeat(stranger, { ...hb, counter: 2 });
    const cose = decodeSign1(forged, { maxBytes: 4096 });
    proven.add({ alg: COSE_ALG_EDDSA, publicKey: stranger.publicKey, message: sigStructure1(cose.protectedBytes, cose.payload), signature: cose.signature });
    ingest.handle(unitTopic(unit.code, 'hb'), forged);
    expect(rejected.map((r) => r.reason)).toEqual(['MSG_BAD_SIGNATURE', 'MSG_BAD_SIGNATURE']);
    await ingest.close();
  });
});

/**
 * The node backend holds imported public keys by the identity of the key's array (so a fleet
 * ingest with more units than the bounded cache does not re-import a key per message). A
 * cached key must never outlive a change of the array's bytes.
 */
import { expect, it } from 'vitest';
import { generateKeyPair, nodeEd25519 } from '../../sdk/index.js';
import { nodeEd25519Unkept } from '../../sdk/crypto/ed25519-node.js';

// The SDK's generateKeyPair, never generateKeyPairSync + export: with 4,200 keys that pattern
// deadlocked this test in CI (the Node 20 bug described at generateKeyPair).
function pair(): { seed: Uint8Array; pub: Uint8Array } {
  const { seed, publicKey } = generateKeyPair();
  return { seed, pub: publicKey };
}

it('a key array whose bytes change is verified against its new bytes, never the cached key', () => {
  const a = pair();
  const b = pair();
  const msg = new TextEncoder().encode('heartbeat');
  const sigA = nodeEd25519.sign(msg, a.seed);
  const sigB = nodeEd25519.sign(msg, b.seed);
  const held = Uint8Array.from(a.pub);
  expect(nodeEd25519.verify(sigA, msg, held)).toBe(true);
  expect(nodeEd25519.verify(sigA, msg, held)).toBe(true); // second time from the cache
  held.set(b.pub); // same array, other key
  expect(nodeEd25519.verify(sigA, msg, held)).toBe(false);
  expect(nodeEd25519.verify(sigB, msg, held)).toBe(true);
});

it('more keys than the bounded cache holds still verify, and wrong pairings still fail', () => {
  const n = 4200;
  const msg = new TextEncoder().encode('event');
  const units = Array.from({ length: 8 }, pair).map((p) => ({ ...p, sig: nodeEd25519.sign(msg, p.seed) }));
  // Fill the content-keyed cache past its 4,096 entries with other keys.
  for (let i = 0; i < n; i++) nodeEd25519.verify(units[0]!.sig, msg, pair().pub);
  for (const [i, u] of units.entries()) {
    expect(nodeEd25519.verify(u.sig, msg, u.pub)).toBe(true);
    expect(nodeEd25519.verify(units[(i + 1) % units.length]!.sig, msg, u.pub)).toBe(false);
  }
});

it('the backend that keeps no key (the fleet ingest default) gives the same verdicts', () => {
  const a = pair();
  const b = pair();
  const msg = new TextEncoder().encode('heartbeat');
  const sigA = nodeEd25519.sign(msg, a.seed);
  const held = Uint8Array.from(a.pub);
  expect(nodeEd25519Unkept.verify(sigA, msg, held)).toBe(true);
  expect(nodeEd25519Unkept.verify(sigA, msg, b.pub)).toBe(false);
  expect(nodeEd25519Unkept.verify(sigA.subarray(0, 63), msg, held)).toBe(false);
  expect(nodeEd25519Unkept.verify(sigA, msg, held.subarray(0, 31))).toBe(false);
  const tampered = Uint8Array.from(sigA);
  tampered[5]! ^= 1;
  expect(nodeEd25519Unkept.verify(tampered, msg, held)).toBe(false);
  // A key kept by nodeEd25519 for this array is used, and never after its bytes changed.
  expect(nodeEd25519.verify(sigA, msg, held)).toBe(true);
  held.set(b.pub);
  expect(nodeEd25519Unkept.verify(sigA, msg, held)).toBe(false);
  // The small-order key OpenSSL would accept with R = identity, S = 0.
  const identity = new Uint8Array(32);
  identity[0] = 1;
  const forged = new Uint8Array(64);
  forged[0] = 1;
  expect(nodeEd25519Unkept.verify(forged, msg, identity)).toBe(false);
});

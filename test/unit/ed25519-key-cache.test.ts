/**
 * The node backend holds imported public keys by the identity of the key's array (so a fleet
 * ingest with more units than the bounded cache does not re-import a key per message). A
 * cached key must never outlive a change of the array's bytes.
 */
import { expect, it } from 'vitest';
import { generateKeyPair, nodeEd25519 } from '../../sdk/index.js';

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

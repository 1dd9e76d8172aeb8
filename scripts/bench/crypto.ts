/**
 * Sign and verify with both Ed25519 backends, and a COSE_Sign1 round, against raw node:crypto
 * on pre-imported KeyObjects (the fastest this machine can do). Run: npm run bench:crypto
 */
import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import {
  decodeSign1,
  nobleEd25519,
  nodeEd25519,
  seedSigner,
  signSign1,
  verifySign1Signature,
  generateKeyPair,
} from '../../sdk/index.js';
import { fmt, machine, measure, measureAsync, table } from './harness.js';

const message = new Uint8Array(200).fill(7);
// The raw side's KeyObjects imported from the SDK's key pair (see generateKeyPair on why not export a generated one).
const { seed, publicKey: pub } = generateKeyPair();
const jwk = { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(pub).toString('base64url') };
const privateKey = createPrivateKey({ key: { ...jwk, d: Buffer.from(seed).toString('base64url') }, format: 'jwk' });
const publicKey = createPublicKey({ key: jwk, format: 'jwk' });
const rawSig = new Uint8Array(sign(null, message, privateKey));

console.log(`crypto benchmark on ${machine()}`);
const rawSign = measure('node:crypto sign (raw KeyObject)', () => void sign(null, message, privateKey));
const rawVerify = measure('node:crypto verify (raw KeyObject)', () => void verify(null, message, publicKey, rawSig));
const nodeSign = measure('backend node: sign', () => void nodeEd25519.sign(message, seed));
const nodeVerify = measure('backend node: verify', () => void nodeEd25519.verify(rawSig, message, pub));
const seedSig = seedSigner(seed);
const signerSign = await measureAsync('Signer (seedSigner, node)', () => seedSig.sign(message).then(() => undefined));
const nobleSign = measure('backend noble: sign', () => void nobleEd25519.sign(message, seed), 1);
const nobleVerify = measure('backend noble: verify', () => void nobleEd25519.verify(rawSig, message, pub), 1);

const signer = seedSigner(generateKeyPair().seed);
const cose = await signSign1(message, signer, { contentType: 'application/vnd.robot-id.event+cbor' });
const coseVerify = measure('COSE_Sign1 decode + verify (node)', () => {
  const m = decodeSign1(cose, { maxBytes: 4096 });
  if (!verifySign1Signature(m, signer.publicKey, nodeEd25519)) throw new Error('verify failed');
});

const ratio = (r: { opsPerSec: number }, base: { opsPerSec: number }): string => `${(r.opsPerSec / base.opsPerSec).toFixed(2)}x raw`;
table('signatures per second (200-byte message)', [
  { name: rawSign.name, value: fmt(rawSign.opsPerSec), ratio: '1.00x (baseline)' },
  { name: nodeSign.name, value: fmt(nodeSign.opsPerSec), ratio: ratio(nodeSign, rawSign) },
  { name: nobleSign.name, value: fmt(nobleSign.opsPerSec), ratio: ratio(nobleSign, rawSign) },
  { name: signerSign.name, value: fmt(signerSign.opsPerSec), ratio: ratio(signerSign, rawSign) },
]);
table('verifications per second', [
  { name: rawVerify.name, value: fmt(rawVerify.opsPerSec), ratio: '1.00x (baseline)' },
  { name: nodeVerify.name, value: fmt(nodeVerify.opsPerSec), ratio: ratio(nodeVerify, rawVerify) },
  { name: nobleVerify.name, value: fmt(nobleVerify.opsPerSec), ratio: ratio(nobleVerify, rawVerify) },
  { name: coseVerify.name, value: fmt(coseVerify.opsPerSec), ratio: ratio(coseVerify, rawVerify) },
]);

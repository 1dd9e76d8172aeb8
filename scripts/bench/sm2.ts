/**
 * SM2-with-SM3 (sdk/crypto/sm2.ts) against node's native SM2 (OpenSSL; fast but hashes Z_A over
 * an empty identifier, so not what GM/T 0009 verifiers accept: a reference, not an option) and
 * Ed25519 on node:crypto, the scheme's baseline. Interleaved rounds; median ops/s with min and max,
 * each as a ratio against Ed25519 verify. Run: npx tsx scripts/bench/sm2.ts [rounds]
 *
 * Our verify is measured twice: a hot key (one verified often enough to earn its own comb, as an
 * agent's platform and authority keys do) and cold keys (a pool far larger than that cache, as a
 * fleet ingest cycling through units sees).
 */
import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { generateSm2KeyPair } from '../../sdk/crypto/sm2-keys.js';
import { sm2Sign, sm2Verify } from '../../sdk/crypto/sm2.js';
import { fmt, loadNote, machine, spreadInterleaved, table, type Spread } from './harness.js';

const rounds = Number(process.argv[2] ?? 9);
const message = new Uint8Array(200).fill(7);

const ed = generateKeyPairSync('ed25519');
const edSig = sign(null, message, ed.privateKey);
const native = generateKeyPairSync('ec', { namedCurve: 'SM2' });
const nativeSig = sign('sm3', message, native.privateKey);
const ours = generateSm2KeyPair();
const oursSig = sm2Sign(message, ours.privateKey);

// Cold keys: each verified at most a few times over the whole run, so none earns a comb.
const COLD_KEYS = 1024;
const cold = Array.from({ length: COLD_KEYS }, () => {
  const pair = generateSm2KeyPair();
  return { publicKey: pair.publicKey, sig: sm2Sign(message, pair.privateKey) };
});
let coldAt = 0;

const ok = (v: boolean): void => {
  if (!v) throw new Error('verification failed');
};

console.log(`SM2 benchmark on ${machine()}, ${loadNote()}, ${rounds} rounds of 0.3 s`);
const results = spreadInterleaved(
  [
    { name: 'Ed25519 node:crypto sign', fn: () => void sign(null, message, ed.privateKey) },
    { name: 'Ed25519 node:crypto verify', fn: () => ok(verify(null, message, ed.publicKey, edSig)) },
    { name: 'SM2 node native sign (empty ID, non-conformant)', fn: () => void sign('sm3', message, native.privateKey) },
    { name: 'SM2 node native verify (empty ID, non-conformant)', fn: () => ok(verify('sm3', message, native.publicKey, nativeSig)) },
    { name: 'SM2 ours sign (raw key)', fn: () => void sm2Sign(message, ours.privateKey) },
    { name: 'SM2 ours verify, hot key', fn: () => ok(sm2Verify(oursSig, message, ours.publicKey)) },
    {
      name: 'SM2 ours verify, cold keys',
      fn: () => {
        const c = cold[coldAt++ % COLD_KEYS]!;
        ok(sm2Verify(c.sig, message, c.publicKey));
      },
    },
  ],
  rounds,
);

const base = results[1]!.median;
const row = (r: Spread) => ({
  name: r.name,
  value: `${fmt(r.median)}/s (${fmt(r.min)}-${fmt(r.max)})`,
  ratio: `${(r.median / base).toFixed(2)}x Ed25519 verify`,
});
table('operations per second, median (min-max) of interleaved rounds, 200-byte message', results.map(row));
console.log(`\n${loadNote()} at the end; cold-key verifications made: ${fmt(coldAt)} over ${COLD_KEYS} keys`);

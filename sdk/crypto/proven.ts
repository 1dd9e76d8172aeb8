/**
 * Signatures already proven valid elsewhere (a verifier's worker threads), consulted before a
 * signature is checked again (docs/protocol.md §"Fleet ingest", pre-verification). A proof
 * names the exact algorithm, public key, signed bytes and signature that verified; the wrapped
 * backend answers true without checking again only when all four are byte-for-byte the ones
 * asked about, and otherwise checks as its inner backend does. A proof can therefore only
 * spare work: it never makes anything verify that the inner backend would refuse, provided the
 * proofs come from the same verifier (node:crypto for the node backends).
 *
 * Proofs are held by reference count and dropped by the caller once the message they were made
 * for is handled, so the set stays as small as the messages in flight.
 */
import { expectBytes } from '../errors.js';
import { ED25519_PUBLIC_BYTES, ED25519_SIGNATURE_BYTES, type Ed25519Backend } from './backend.js';
import { weakEd25519Key } from './ed25519-key-check.js';
import { COSE_ALG_EDDSA } from './signer.js';

/** One signature that verified: under `publicKey`, with `alg`, over `message`. */
export interface SignatureProof {
  alg: number;
  publicKey: Uint8Array;
  message: Uint8Array;
  signature: Uint8Array;
}

interface Held extends SignatureProof {
  refs: number;
}

const same = (a: Uint8Array, b: Uint8Array): boolean =>
  a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

/** Proofs by signature bytes (latin1), each compared in full on every look-up. */
export class ProvenSignatures {
  private readonly bySignature = new Map<string, Held[]>();
  private count = 0;
  /** Look-ups answered from a proof, and those that fell through to the inner backend. */
  readonly stats = { hits: 0, misses: 0 };

  /** Proofs held (each distinct proof once). */
  get size(): number {
    return this.count;
  }

  add(proof: SignatureProof): void {
    const key = keyOf(proof.signature);
    const list = this.bySignature.get(key);
    const held = list?.find((h) => matches(h, proof.alg, proof.publicKey, proof.message, proof.signature));
    if (held) {
      held.refs++;
      return;
    }
    const entry: Held = { alg: proof.alg, publicKey: proof.publicKey, message: proof.message, signature: proof.signature, refs: 1 };
    if (list) list.push(entry);
    else this.bySignature.set(key, [entry]);
    this.count++;
  }

  /** Drops one reference to a proof added before (its message was handled). */
  delete(proof: SignatureProof): void {
    const key = keyOf(proof.signature);
    const list = this.bySignature.get(key);
    if (!list) return;
    const at = list.findIndex((h) => matches(h, proof.alg, proof.publicKey, proof.message, proof.signature));
    if (at < 0 || --list[at]!.refs > 0) return;
    list.splice(at, 1);
    this.count--;
    if (list.length === 0) this.bySignature.delete(key);
  }

  /** Whether exactly this signature was proven valid. */
  has(alg: number, publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
    const list = this.bySignature.get(keyOf(signature));
    return list !== undefined && list.some((h) => matches(h, alg, publicKey, message, signature));
  }

  /**
   * `inner` (a node backend: the proofs come from node:crypto) answering from the proofs first.
   * The checks `inner` makes before any cryptography (lengths, small-order keys) are made here
   * too, so a proof can never stand in for them.
   */
  backend(inner: Ed25519Backend): Ed25519Backend {
    return {
      name: inner.name,
      publicKey: (seed) => inner.publicKey(seed),
      sign: (message, seed) => inner.sign(message, seed),
      verify: (signature, message, publicKey) => {
        expectBytes(signature, 'signature');
        expectBytes(message, 'message');
        expectBytes(publicKey, 'publicKey');
        if (
          this.count > 0 &&
          signature.length === ED25519_SIGNATURE_BYTES &&
          publicKey.length === ED25519_PUBLIC_BYTES &&
          !weakEd25519Key(publicKey) &&
          this.has(COSE_ALG_EDDSA, publicKey, message, signature)
        ) {
          this.stats.hits++;
          return true;
        }
        this.stats.misses++;
        return inner.verify(signature, message, publicKey);
      },
    };
  }
}

function keyOf(signature: Uint8Array): string {
  return Buffer.from(signature.buffer, signature.byteOffset, signature.byteLength).toString('latin1');
}

function matches(h: SignatureProof, alg: number, publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  return h.alg === alg && same(h.signature, signature) && same(h.publicKey, publicKey) && same(h.message, message);
}

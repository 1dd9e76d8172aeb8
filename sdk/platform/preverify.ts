/**
 * What a fleet ingest may have verified ahead of time, in parallel, for one message from the
 * broker (docs/protocol.md §"Fleet ingest", pre-verification): the signature over the message
 * under the unit's device key as the directory holds it now, and, for a unit whose record is not
 * verified yet, the record's signature under the key its enterprise certificate names. These
 * are claims to check, nothing more: the ingest still judges every message in order as it
 * always does, and a claim proven true only spares it the signature check over exactly the same
 * bytes (sdk/crypto/proven.ts). A claim built from a stale key, a wrong guess or a malformed
 * message is simply never asked about.
 *
 * EdDSA only: the proofs come from node:crypto, which checks SM2 differently from the SDK
 * (sdk/crypto/sm2.ts), so SM2 signatures are always checked in order, as before.
 */
import { ED25519_PUBLIC_BYTES, ED25519_SIGNATURE_BYTES } from '../crypto/backend.js';
import { weakEd25519Key } from '../crypto/ed25519-key-check.js';
import type { SignatureProof } from '../crypto/proven.js';
import { COSE_ALG_EDDSA } from '../crypto/signer.js';
import { openSign1 } from '../cose/object.js';
import { sigStructure1 } from '../cose/sign1.js';
import { parseUnitTopic } from '../topics.js';
import { certificateAlg, certificateKind } from '../trust/certificate.js';
import { deviceAlgOf, identityKind } from '../trust/identity.js';
import type { IdentityDirectory } from './identities.js';

/** Largest message looked at (every unit message's own cap is below it; the ingest checks those). */
const MAX_BYTES = 32 * 1024;
/** Enterprise certificates whose key was read, by their exact bytes: a fleet has a few. */
const CERT_KEYS_MAX = 64;

/** A signature to prove ahead; `longLived`: under an enterprise key (worth keeping imported). */
export interface SignatureClaim extends SignatureProof {
  longLived?: boolean;
}

export class PreVerifier {
  private readonly certKeys = new Map<string, { publicKey: Uint8Array; alg: number } | null>();

  constructor(private readonly identities: IdentityDirectory) {}

  /** The signatures worth proving ahead for a message on `topic`; never throws. */
  claims(topic: string, payload: Uint8Array): SignatureClaim[] {
    const t = parseUnitTopic(topic);
    if (!t || t.channel === 'receipt' || payload.length > MAX_BYTES) return [];
    try {
      if (t.channel === 'identity') return this.recordClaims(payload);
      // On the event loop for every message: the three byte strings read in place (sign1Parts),
      // no decode. Whatever they hold, only the ingest's own checks judge the message; a claim
      // that does not match what those ask about is never used.
      const parts = sign1Parts(payload);
      if (!parts) return [];
      const known = this.identities.peek(t.code);
      if (known) return known.deviceAlg === COSE_ALG_EDDSA ? usable(claim(known.devicePublicKey, parts)) : [];
      // First seen: the record the directory will verify for this message, and the message
      // under the device key that record names.
      const raw = this.identities.bytesOf(t.code);
      return raw ? this.recordClaims(raw, parts) : [];
    } catch {
      // Malformed: nothing to prove ahead; the ingest refuses it in order with its reason.
      return [];
    }
  }

  /** The record's signature under its enterprise key; with `message`, that message under the record's device key. */
  private recordClaims(bytes: Uint8Array, message?: Sign1Parts): SignatureClaim[] {
    const opened = openSign1(identityKind, bytes);
    const out: SignatureClaim[] = [];
    const enterprise = this.certKey(opened.value.enterpriseCert);
    if (enterprise?.alg === COSE_ALG_EDDSA && opened.cose.protected.alg === COSE_ALG_EDDSA) out.push(...usable({ ...claim(enterprise.publicKey, opened.cose), longLived: true }));
    if (message && deviceAlgOf(opened.value) === COSE_ALG_EDDSA) out.push(...usable(claim(opened.value.devicePublicKey, message)));
    return out;
  }

  /** The key a certificate names (not verified here: the ingest verifies the certificate itself). */
  private certKey(cert: Uint8Array): { publicKey: Uint8Array; alg: number } | undefined {
    const id = Buffer.from(cert.buffer, cert.byteOffset, cert.byteLength).toString('latin1');
    let key = this.certKeys.get(id);
    if (key === undefined) {
      try {
        const c = openSign1(certificateKind, cert).value;
        key = { publicKey: c.publicKey, alg: certificateAlg(c) };
      } catch {
        key = null;
      }
      if (this.certKeys.size >= CERT_KEYS_MAX) this.certKeys.delete(this.certKeys.keys().next().value!);
      this.certKeys.set(id, key);
    }
    return key ?? undefined;
  }
}

/** Only what the ingest's own check could accept is worth a thread's time (sdk/crypto/ed25519-node.ts). */
function usable(c: SignatureClaim): SignatureClaim[] {
  return c.publicKey.length === ED25519_PUBLIC_BYTES && c.signature.length === ED25519_SIGNATURE_BYTES && !weakEd25519Key(c.publicKey) ? [c] : [];
}

/**
 * The protected header, payload and signature of a tagged COSE_Sign1 with an empty unprotected
 * map (every unit message), as views into `bytes`; undefined for anything else. Definite
 * lengths only, as the strict decoder requires.
 */
export interface Sign1Parts {
  protectedBytes: Uint8Array;
  payload: Uint8Array;
  signature: Uint8Array;
}

export function sign1Parts(bytes: Uint8Array): Sign1Parts | undefined {
  // Tag 18, array of 4.
  if (bytes.length < 4 || bytes[0] !== 0xd2 || bytes[1] !== 0x84) return undefined;
  let at = 2;
  const bstr = (): Uint8Array | undefined => {
    const head = bytes[at];
    if (head === undefined || head >> 5 !== 2) return undefined;
    const info = head & 0x1f;
    let n: number;
    let from: number;
    if (info < 24) [n, from] = [info, at + 1];
    else if (info === 24 && at + 1 < bytes.length) [n, from] = [bytes[at + 1]!, at + 2];
    else if (info === 25 && at + 2 < bytes.length) [n, from] = [(bytes[at + 1]! << 8) | bytes[at + 2]!, at + 3];
    else return undefined;
    if (from + n > bytes.length) return undefined;
    at = from + n;
    return bytes.subarray(from, at);
  };
  const protectedBytes = bstr();
  if (!protectedBytes || bytes[at] !== 0xa0) return undefined;
  at++;
  const payload = bstr();
  const signature = payload && bstr();
  return signature && at === bytes.length ? { protectedBytes, payload: payload!, signature } : undefined;
}

function claim(publicKey: Uint8Array, cose: Sign1Parts): SignatureProof {
  return { alg: COSE_ALG_EDDSA, publicKey, message: sigStructure1(cose.protectedBytes, cose.payload), signature: cose.signature };
}

/**
 * The trust bundle (docs/protocol.md §"Trust bundle"): what a verifier of labels holds, since a
 * label does not carry its enterprise certificate. JSON, one file:
 *   { "format": "robot-id-bundle/1",
 *     "trust": <a trust store: { "format": "robot-id-trust/1", "roots": [...] }>,
 *     "certificates": ["<base64 enterprise certificate (COSE_Sign1 by a root)>", ...],
 *     "revocations"?: { "keys": ["<hex kid>"], "codes": [...], "scrapped": [...] },
 *     "units"?: { "<code>": { "lifecycle"?: "<state>", "region"?: "<6 digits>", "recalls"?: [{ "id", "title"? }] } } }
 * Certificates are indexed by the kid of the key they certify, without being trusted for it:
 * the one a label names is verified against the roots, at the label's issue time, on every use.
 * No I/O here: the CLI reads the file, the page reads localStorage.
 */
import { TrustError, describe } from '../errors.js';
import { COSE_ALG_EDDSA, kidHex } from '../crypto/signer.js';
import { keyIdFor, publicKeyProblem } from '../crypto/alg.js';
import { openSign1 } from '../cose/object.js';
import { certificateKind } from '../trust/certificate.js';
import { Revocations } from '../trust/revocation.js';
import { TrustStore, type TrustStoreJson } from '../trust/trust-store.js';

export const BUNDLE_FORMAT = 'robot-id-bundle/1';
/** A bundle larger than this is refused before parsing (a country's enterprises fit easily). */
export const BUNDLE_MAX_CHARS = 4 * 1024 * 1024;
export const BUNDLE_MAX_CERTIFICATES = 10_000;

export interface UnitFacts {
  lifecycle?: string;
  /** The region of operation its registration names (docs/protocol.md §"Registration and resale"). */
  region?: string;
  recalls?: { id: string; title?: string }[];
}

export interface TrustBundleJson {
  format: string;
  trust: TrustStoreJson;
  certificates: string[];
  revocations?: { keys?: string[]; codes?: string[]; scrapped?: string[] };
  units?: Record<string, UnitFacts>;
}

export interface TrustBundle {
  trust: TrustStore;
  /** Certificate bytes by the hex kid of the key they certify. */
  certificates: ReadonlyMap<string, Uint8Array>;
  revocations: Revocations;
  units: Readonly<Record<string, UnitFacts>>;
  json: TrustBundleJson;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Base64 without Buffer or atob, so the same code runs in the page. */
export function fromBase64(text: string): Uint8Array {
  const clean = text.replace(/=+$/, '').replace(/-/g, '+').replace(/_/g, '/');
  if (!/^[A-Za-z0-9+/]*$/.test(clean) || clean.length % 4 === 1) throw new RangeError('base64: malformed text');
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let bits = 0;
  let acc = 0;
  let o = 0;
  for (const c of clean) {
    acc = (acc << 6) | B64.indexOf(c);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}

export function toBase64(bytes: Uint8Array, url = false): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    const chars = [B64[(n >> 18) & 63], B64[(n >> 12) & 63], i + 1 < bytes.length ? B64[(n >> 6) & 63] : '=', i + 2 < bytes.length ? B64[n & 63] : '='];
    out += chars.join('');
  }
  return url ? out.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '') : out;
}

function bad(source: string, what: string, cause?: unknown): never {
  throw new TrustError('TRUST_STORE_INVALID', `${source}: ${what}`, cause === undefined ? undefined : { cause });
}

function strings(v: unknown, source: string, what: string): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) bad(source, `${what}: expected an array of strings, got ${describe(v)}`);
  return v as string[];
}

export function parseTrustBundle(json: unknown, source = 'trust bundle'): TrustBundle {
  if (typeof json !== 'object' || json === null) bad(source, `expected a JSON object, got ${describe(json)}`);
  const j = json as Partial<TrustBundleJson>;
  if (j.format !== BUNDLE_FORMAT) bad(source, `expected format "${BUNDLE_FORMAT}", got ${JSON.stringify(j.format)}`);
  const trust = TrustStore.fromJSON(j.trust, `${source}: trust`);
  const certs = strings(j.certificates, source, 'certificates');
  if (certs.length > BUNDLE_MAX_CERTIFICATES) bad(source, `certificates: expected at most ${BUNDLE_MAX_CERTIFICATES}, got ${certs.length}`);
  const certificates = new Map<string, Uint8Array>();
  certs.forEach((text, i) => {
    let bytes: Uint8Array;
    let publicKey: Uint8Array;
    let alg: number;
    try {
      bytes = fromBase64(text);
      const c = openSign1(certificateKind, bytes).value;
      publicKey = c.publicKey;
      alg = c.alg ?? COSE_ALG_EDDSA;
    } catch (err) {
      return bad(source, `certificates[${i}]: expected base64 of a certificate (${(err as Error).message})`, err);
    }
    // Indexed by the kid of the certified key, as its algorithm computes it; a key that does not
    // fit its algorithm is left out (the certificate's own verification would refuse it).
    if (publicKeyProblem(alg, publicKey) === undefined) certificates.set(kidHex(keyIdFor(alg, publicKey)), bytes);
  });
  const r = j.revocations ?? {};
  if (typeof r !== 'object' || r === null) bad(source, 'revocations: expected an object');
  const revocations = new Revocations({ keys: strings(r.keys, source, 'revocations.keys'), codes: strings(r.codes, source, 'revocations.codes'), scrapped: strings(r.scrapped, source, 'revocations.scrapped') });
  const units = j.units ?? {};
  if (typeof units !== 'object' || units === null || Array.isArray(units)) bad(source, 'units: expected an object keyed by code');
  return { trust, certificates, revocations, units, json: j as TrustBundleJson };
}

export function parseTrustBundleText(text: string, source = 'trust bundle'): TrustBundle {
  if (text.length > BUNDLE_MAX_CHARS) bad(source, `expected at most ${BUNDLE_MAX_CHARS} characters, got ${text.length}`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    bad(source, `expected JSON (${(err as Error).message})`, err);
  }
  return parseTrustBundle(json, source);
}

/** A bundle's JSON from its parts (robot-id bundle, tests). */
export function makeTrustBundleJson(input: { trust: TrustStore; certificates: Uint8Array[]; revocations?: TrustBundleJson['revocations']; units?: TrustBundleJson['units'] }): TrustBundleJson {
  return {
    format: BUNDLE_FORMAT,
    trust: input.trust.toJSON(),
    certificates: input.certificates.map((c) => toBase64(c)),
    ...(input.revocations ? { revocations: input.revocations } : {}),
    ...(input.units ? { units: input.units } : {}),
  };
}

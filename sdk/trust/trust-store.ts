/**
 * The trust store: the national platform roots a verifier accepts, one or more (robots cross
 * borders). Every verifier in the SDK is configured with one. Stored as JSON:
 *   { "format": "robot-id-trust/1",
 *     "roots": [ { "country": "86", "name": "...", "publicKey": "<base64 raw key>", "alg": "sm2",
 *                  "codeScheme": { "charset": "digits", "check": "none" } } ] }
 * `alg` is "ed25519" (the default when absent: 32-byte keys) or "sm2" (65-byte SEC1 points);
 * a root's signatures count only in its algorithm, so one store may hold roots of both kinds.
 * A root carries the code scheme of its country so codes under it are parsed the same way
 * everywhere.
 *
 * Root rotation (docs/protocol.md §"Root rotation", sdk/trust/rotation.ts) adds, per root:
 * `version` (absent: 1), `notBefore`/`notAfter` (absent: unbounded), `supersededAt` (from this
 * time on the root no longer counts: its successor's notBefore) and `rotation` (base64 of the
 * statement that introduced it). A store written before rotation existed keeps its bytes.
 */
import { ALG_NAMES, algFromName, algName, keyIdFor, publicKeyBytes, publicKeyProblem, type AlgName } from '../crypto/alg.js';
import { readFileSync } from 'node:fs';
import { TrustError } from '../errors.js';
import { COSE_ALG_EDDSA, kidHex } from '../crypto/signer.js';
import { codeScheme, type CodeScheme, type CodeSchemeInput } from '../code/index.js';
import { writeFileAtomicSync } from '../util/atomic-file.js';

export const TRUST_STORE_FORMAT = 'robot-id-trust/1';

export interface Root {
  country: string;
  name: string;
  publicKey: Uint8Array;
  kid: Uint8Array;
  codeScheme: CodeScheme;
  /** COSE alg of the root key (absent: EdDSA). Certificates it signs must carry this alg. */
  alg?: number;
  /** The root's version in its country's chain of rotations (absent: 1). */
  version?: number;
  /** Seconds since the epoch: the root counts for reference times in [notBefore, notAfter]. */
  notBefore?: number;
  notAfter?: number;
  /** Seconds since the epoch: a rotation replaced this root; it counts only for times before this. */
  supersededAt?: number;
  /** The rotation statement that introduced this root, exactly as received. */
  rotation?: Uint8Array;
}

/** A root's version (absent: 1). */
export function rootVersion(root: Pick<Root, 'version'>): number {
  return root.version ?? 1;
}

/**
 * Why a root's signature does not count for something judged at `at` (seconds), or undefined
 * when it does: outside the root's own validity, or at or after a rotation superseded it.
 */
export function rootProblemAt(root: Root, at: number): string | undefined {
  if (root.supersededAt !== undefined && at >= root.supersededAt) {
    return `root ${root.country} version ${rootVersion(root)} was superseded at ${iso(root.supersededAt)}, judged at ${iso(at)}`;
  }
  if ((root.notBefore !== undefined && at < root.notBefore) || (root.notAfter !== undefined && at > root.notAfter)) {
    return `root ${root.country} version ${rootVersion(root)} is valid ${iso(root.notBefore ?? 0)}..${root.notAfter === undefined ? 'open' : iso(root.notAfter)}, judged at ${iso(at)}`;
  }
  return undefined;
}

function iso(seconds: number): string {
  const d = new Date(seconds * 1000);
  return Number.isNaN(d.getTime()) ? String(seconds) : d.toISOString().replace('.000Z', 'Z');
}

/** The algorithm a root's signatures must be in. */
export function rootAlg(root: Pick<Root, 'alg'>): number {
  return root.alg ?? COSE_ALG_EDDSA;
}

export interface TrustStoreJson {
  format: string;
  roots: {
    country: string;
    name: string;
    publicKey: string;
    alg?: AlgName;
    codeScheme?: CodeSchemeInput;
    version?: number;
    notBefore?: number;
    notAfter?: number;
    supersededAt?: number;
    rotation?: string;
  }[];
}

const ROOT_TIMES = ['version', 'notBefore', 'notAfter', 'supersededAt'] as const;

export class TrustStore {
  private byKid = new Map<string, Root>();
  private current: readonly Root[];

  constructor(roots: readonly Root[]) {
    this.current = roots;
    this.byKid = TrustStore.index(roots);
  }

  private static index(roots: readonly Root[]): Map<string, Root> {
    if (roots.length === 0) throw new TrustError('TRUST_STORE_INVALID', 'trust store: expected at least one root');
    const byKid = new Map<string, Root>();
    for (const r of roots) {
      const problem = publicKeyProblem(rootAlg(r), r.publicKey);
      if (problem) throw new TrustError('TRUST_STORE_INVALID', `trust store: root ${r.country} ${r.name}: ${problem}`);
      byKid.set(kidHex(r.kid), r);
    }
    return byKid;
  }

  get roots(): readonly Root[] {
    return this.current;
  }

  /**
   * Takes the roots of `next` in place (a unit that applied a root rotation): every verifier
   * holding this store sees them from the next check on. Only the agent's one store does this.
   */
  adopt(next: TrustStore): void {
    this.byKid = TrustStore.index(next.roots);
    this.current = next.roots;
  }

  /** The newest root of a country that is not superseded (highest version), if any. */
  currentRoot(country: string): Root | undefined {
    let best: Root | undefined;
    for (const r of this.rootsForCountry(country)) {
      if (r.supersededAt !== undefined) continue;
      if (!best || rootVersion(r) > rootVersion(best)) best = r;
    }
    return best;
  }

  rootByKid(kid: Uint8Array): Root | undefined {
    return this.byKid.get(kidHex(kid));
  }

  rootsForCountry(country: string): Root[] {
    return this.roots.filter((r) => r.country === country);
  }

  toJSON(): TrustStoreJson {
    return {
      format: TRUST_STORE_FORMAT,
      roots: this.roots.map((r) => ({
        country: r.country,
        name: r.name,
        publicKey: Buffer.from(r.publicKey).toString('base64'),
        ...(rootAlg(r) === COSE_ALG_EDDSA ? {} : { alg: algName(rootAlg(r)) }),
        codeScheme: { charset: r.codeScheme.charset, check: r.codeScheme.check },
        ...(r.version !== undefined ? { version: r.version } : {}),
        ...(r.notBefore !== undefined ? { notBefore: r.notBefore } : {}),
        ...(r.notAfter !== undefined ? { notAfter: r.notAfter } : {}),
        ...(r.supersededAt !== undefined ? { supersededAt: r.supersededAt } : {}),
        ...(r.rotation !== undefined ? { rotation: Buffer.from(r.rotation).toString('base64') } : {}),
      })),
    };
  }

  static fromJSON(json: unknown, source = 'trust store'): TrustStore {
    const bad = (what: string): never => {
      throw new TrustError('TRUST_STORE_INVALID', `${source}: ${what}`);
    };
    if (typeof json !== 'object' || json === null) return bad('expected a JSON object');
    const j = json as Partial<TrustStoreJson>;
    if (j.format !== TRUST_STORE_FORMAT) bad(`expected format "${TRUST_STORE_FORMAT}", got ${JSON.stringify(j.format)}`);
    if (!Array.isArray(j.roots) || j.roots.length === 0) bad('expected a non-empty "roots" array');
    const roots = (j.roots as TrustStoreJson['roots']).map((r, i): Root => {
      if (typeof r?.country !== 'string' || r.country.length !== 2) bad(`roots[${i}].country: expected 2 characters`);
      if (typeof r.name !== 'string') bad(`roots[${i}].name: expected text`);
      let alg: number = COSE_ALG_EDDSA;
      if (r.alg !== undefined) {
        if (typeof r.alg !== 'string' || !ALG_NAMES.includes(r.alg)) bad(`roots[${i}].alg: expected one of ${ALG_NAMES.join(', ')}, got ${JSON.stringify(r.alg)}`);
        alg = algFromName(r.alg);
      }
      const pk = typeof r.publicKey === 'string' ? Buffer.from(r.publicKey, 'base64') : undefined;
      const size = publicKeyBytes(alg);
      if (!pk || pk.length !== size) bad(`roots[${i}].publicKey: expected base64 of ${size} bytes (${algName(alg)})`);
      const publicKey = new Uint8Array(pk!);
      const problem = publicKeyProblem(alg, publicKey);
      if (problem) bad(`roots[${i}].publicKey: ${problem}`);
      let scheme: CodeScheme;
      try {
        scheme = codeScheme(r.codeScheme ?? {});
      } catch (err) {
        throw new TrustError('TRUST_STORE_INVALID', `${source}: roots[${i}].codeScheme: ${(err as Error).message}`, { cause: err });
      }
      const root: Root = { country: r.country.toUpperCase(), name: r.name, publicKey, kid: keyIdFor(alg, publicKey), codeScheme: scheme };
      if (alg !== COSE_ALG_EDDSA) root.alg = alg;
      for (const k of ROOT_TIMES) {
        const v = r[k];
        if (v === undefined) continue;
        if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < (k === 'version' ? 1 : 0)) bad(`roots[${i}].${k}: expected a whole number${k === 'version' ? ' >= 1' : ' of seconds'}, got ${JSON.stringify(v)}`);
        root[k] = v;
      }
      if (r.rotation !== undefined) {
        if (typeof r.rotation !== 'string') bad(`roots[${i}].rotation: expected base64 text`);
        root.rotation = new Uint8Array(Buffer.from(r.rotation, 'base64'));
      }
      return root;
    });
    return new TrustStore(roots);
  }

  static load(path: string): TrustStore {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new TrustError('TRUST_STORE_INVALID', `trust store ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`, { cause: err });
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new TrustError('TRUST_STORE_INVALID', `trust store ${path}: expected JSON (${(err as Error).message})`, { cause: err });
    }
    return TrustStore.fromJSON(json, `trust store ${path}`);
  }

  save(path: string): void {
    writeFileAtomicSync(path, JSON.stringify(this.toJSON(), null, 2) + '\n');
  }

  /** A store holding the roots of both (duplicates by kid collapse). */
  merge(other: TrustStore): TrustStore {
    const seen = new Map<string, Root>();
    for (const r of [...this.roots, ...other.roots]) seen.set(kidHex(r.kid), r);
    return new TrustStore([...seen.values()]);
  }
}

/**
 * Where the ingest learns each unit's identity record (docs/protocol.md §"Fleet ingest"):
 * the registry written by `robot-id provision` (JSON lines) and the unit's retained identity
 * topic. A record is verified against the trust store once per unit and cached; every message
 * is still verified against it. A record from the wire replaces a known one only if it
 * verifies and has a higher recordVersion (so an old record cannot be replayed over a new one).
 */
import { readFileSync } from 'node:fs';
import type { Ed25519Backend } from '../crypto/backend.js';
import { bytesEqual } from '../cbor/index.js';
import { robotCode } from '../code/parse.js';
import type { RobotCode } from '../code/types.js';
import { openSign1 } from '../cose/object.js';
import { MessageError, isRobotIdError } from '../errors.js';
import { CertificateCache } from '../trust/cert-cache.js';
import { identityKind, type IdentityRecord } from '../trust/identity.js';
import type { VerifiedCertificate } from '../trust/verify-certificate.js';
import { verifyIdentityRecord, type VerifiedIdentity } from '../trust/verify-identity.js';
import type { Revocations } from '../trust/revocation.js';
import type { TrustStore } from '../trust/trust-store.js';

export interface RegistryEntry {
  code: string;
  identity: Uint8Array;
}

export interface RegistryLoad {
  entries: RegistryEntry[];
  /** Lines that could not be read, with their 1-based numbers. */
  problems: string[];
}

/** Reads a JSON-lines registry (one registration per line, `identity` in base64). */
export function readRegistry(file: string): RegistryLoad {
  const entries: RegistryEntry[] = [];
  const problems: string[] = [];
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (line.trim() === '') return;
      try {
        const o = JSON.parse(line) as { code?: unknown; identity?: unknown };
        if (typeof o.code !== 'string' || typeof o.identity !== 'string') throw new Error('expected code and identity');
        entries.push({ code: o.code, identity: new Uint8Array(Buffer.from(o.identity, 'base64')) });
      } catch (err) {
        problems.push(`${file}:${i + 1}: ${(err as Error).message}`);
      }
    });
  return { entries, problems };
}

export interface IdentityOptions {
  revocations?: Revocations;
  backend?: Ed25519Backend;
  /** The directory's certificate cache (default: its own, bounded): each enterprise certificate is verified once. */
  certCache?: CertificateCache;
}

/**
 * What the directory keeps of a verified record, per unit: the record's exact bytes (the same
 * array the registry gave, so no copy), the device key, its kid and algorithm, the record's
 * version and the enterprise certificate it was verified under (one object shared by the
 * units verified in a row under the same certificate). A fleet ingest holds one per unit; the
 * decoded record and the parsed code (1,151 bytes of heap per unit, docs/performance.md) are
 * made again from the bytes when asked for, which only the identity topic, rekeys and history
 * queries do: a message is verified with the fields kept. The bytes were verified when this was
 * made; decoding them again is strict decoding only, never a verdict.
 */
class UnitIdentity implements VerifiedIdentity {
  constructor(
    readonly bytes: Uint8Array,
    private readonly codeText: string,
    readonly enterprise: VerifiedCertificate,
    readonly deviceKid: Uint8Array,
    readonly deviceAlg: number,
    readonly devicePublicKey: Uint8Array,
    readonly recordVersion: number,
  ) {}

  get record(): IdentityRecord {
    return openSign1(identityKind, this.bytes).value;
  }

  get code(): RobotCode {
    return robotCode(this.codeText);
  }
}

export class IdentityDirectory {
  private readonly raw = new Map<string, Uint8Array>();
  private readonly verified = new Map<string, UnitIdentity>();
  /** The enterprise certificate of the last record verified, shared by the next ones under it. */
  private lastEnterprise: VerifiedCertificate | undefined;

  private readonly options: IdentityOptions;

  constructor(
    private readonly trust: TrustStore,
    options: IdentityOptions = {},
  ) {
    this.options = { ...options, certCache: options.certCache ?? new CertificateCache() };
  }

  /** Hits and misses of the certificate cache. */
  get certCacheStats(): { hits: number; misses: number; entries: number } {
    return this.options.certCache!.stats;
  }

  /** Registers a record to verify on first use (registry entries). */
  add(code: string, identity: Uint8Array): void {
    if (!this.raw.has(code)) this.raw.set(code, identity);
  }

  /** Judges every record again under a new revocation list (lazily, at next use). */
  setRevocations(revocations: Revocations): void {
    this.options.revocations = revocations;
    this.verified.clear();
  }

  /** Every code with a record registered or in use. */
  codes(): string[] {
    return [...new Set([...this.raw.keys(), ...this.verified.keys()])];
  }

  get size(): number {
    return this.codes().length;
  }

  /** The bytes of the record registered or in use for `code`, unverified (a revoked unit's too); undefined when none is known. */
  bytesOf(code: string): Uint8Array | undefined {
    return this.verified.get(code)?.bytes ?? this.raw.get(code);
  }

  /** The record of `code` already verified and in use, without verifying anything; undefined otherwise. */
  peek(code: string): VerifiedIdentity | undefined {
    return this.verified.get(code);
  }

  /** The verified record of `code`, verifying it on first use; throws MessageError. */
  get(code: string): VerifiedIdentity {
    const hit = this.verified.get(code);
    if (hit) return hit;
    const raw = this.raw.get(code);
    if (!raw) throw new MessageError('MSG_UNKNOWN_UNIT', `no identity record known for ${code}`);
    const v = this.verify(code, raw);
    this.verified.set(code, v);
    return v;
  }

  /** A record seen on the unit's identity topic. Returns true when it is now the one in use. */
  offer(code: string, bytes: Uint8Array): boolean {
    const current = this.verified.get(code);
    if (current && bytesEqual(current.bytes, bytes)) return false;
    const v = this.verify(code, bytes);
    let known: UnitIdentity | undefined = current;
    if (!known && this.raw.has(code)) {
      try {
        this.get(code);
        known = this.verified.get(code);
      } catch {
        // The registry's record does not verify (revoked, corrupt): the wire's may replace it.
        known = undefined;
      }
    }
    // A record binding another device key is adopted only through the unit's `rekeyed` event,
    // which the old key co-signs (docs/protocol.md §"Device rekey"): never from the wire alone.
    if (known && !bytesEqual(v.deviceKid, known.deviceKid)) return false;
    if (known && v.recordVersion <= known.recordVersion) {
      if (!bytesEqual(known.bytes, bytes) && v.recordVersion < known.recordVersion) {
        throw new MessageError('MSG_REPLAYED', `identity record of ${code}: version ${v.recordVersion} is older than ${known.recordVersion}`);
      }
      return false;
    }
    this.verified.set(code, v);
    return true;
  }

  /**
   * The record of a verified rekey (or one restored from the ingest's rekeys file): from now on
   * the one in use. Returns it verified; throws MessageError like `get`.
   */
  replace(code: string, bytes: Uint8Array): VerifiedIdentity {
    const v = this.verify(code, bytes);
    this.raw.set(code, bytes);
    this.verified.set(code, v);
    return v;
  }

  /** Verifies a record of `code` as `get` would, without keeping it. */
  check(code: string, bytes: Uint8Array): VerifiedIdentity {
    return this.verify(code, bytes);
  }

  private verify(code: string, bytes: Uint8Array): UnitIdentity {
    let v: VerifiedIdentity;
    try {
      v = verifyIdentityRecord(bytes, this.trust, this.options);
    } catch (err) {
      // Revoked (the unit, its device key, its enterprise's key) is a verdict of its own.
      const revoked = isRobotIdError(err) && err.code === 'TRUST_REVOKED';
      throw new MessageError(revoked ? 'MSG_REVOKED' : 'MSG_UNKNOWN_UNIT', `identity record of ${code} does not verify: ${(err as Error).message}`, { cause: err });
    }
    if (v.code.code !== code) throw new MessageError('MSG_WRONG_UNIT', `identity record on ${code}'s topic is for ${v.code.code}`);
    const e = v.enterprise;
    const last = this.lastEnterprise;
    const enterprise = last && last.certificate === e.certificate && last.root === e.root && last.kid === e.kid && last.alg === e.alg ? last : (this.lastEnterprise = e);
    return new UnitIdentity(v.bytes, v.code.code, enterprise, v.deviceKid, v.deviceAlg, v.devicePublicKey, v.record.recordVersion);
  }
}

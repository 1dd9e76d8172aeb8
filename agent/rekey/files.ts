/**
 * The device rekey on the unit's disk (docs/key-handling.md §"Device rekey"). Files beside the
 * provisioned ones:
 *   device.key.next      the new key (0600), made by the request step, kept until installed
 *   identity.next.cose   the new record, staged by the install step: the commit point
 *   label.next.cose      the new label, when one came with it (staged just before the record)
 *   device.key.prev      the old key, kept only until the `rekeyed` event it co-signs is durable
 *   identity.v<N>.cose   each record replaced (N its recordVersion), so the unit can still check
 *                        the entries its earlier keys signed (GET /v1/events)
 *
 * Every step is an atomic write or a rename followed by a directory fsync, and `rollForward`
 * (run at every start before the identity check) finishes whatever a crash interrupted, so
 * the directory always holds a record and the key it certifies: the old pair before the commit
 * point, the new pair after it.
 */
import { existsSync, readFileSync, readdirSync, renameSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import {
  STATE_FILES,
  algSigner,
  bytesEqual,
  fsyncDirectory,
  generateAlgKeyPair,
  openSign1,
  identityKind,
  readAlgPrivateKeyFile,
  writeAlgPrivateKeyFile,
  writeFileAtomicSync,
  verifyIdentityRecord,
  type Signer,
  type TrustStore,
  type VerifiedIdentity,
} from '../../sdk/index.js';

export const REKEY_FILES = {
  nextKey: 'device.key.next',
  nextRecord: 'identity.next.cose',
  prevKey: 'device.key.prev',
  nextLabel: 'label.next.cose',
} as const;

export const rekeyPath = (stateDir: string, f: keyof typeof REKEY_FILES): string => join(stateDir, REKEY_FILES[f]);

/** Crash points for tests: each throws after the named step is durable. */
export interface RekeyFaults {
  afterPrevKey?(): void;
  afterNextKey?(): void;
  afterRecord?(): void;
}

/** The new key for a rekey: the one a previous request made (so a request can be repeated), or a new one. */
export function nextKey(stateDir: string, alg: number): { signer: Signer; created: boolean } {
  const path = rekeyPath(stateDir, 'nextKey');
  if (existsSync(path)) return { signer: algSigner(readAlgPrivateKeyFile(path)), created: false };
  const pair = generateAlgKeyPair(alg);
  writeAlgPrivateKeyFile(path, pair);
  fsyncDirectory(stateDir);
  return { signer: algSigner(pair), created: true };
}

/** The new key, when a request made one. */
export function readNextKey(stateDir: string): Signer | undefined {
  const path = rekeyPath(stateDir, 'nextKey');
  return existsSync(path) ? algSigner(readAlgPrivateKeyFile(path)) : undefined;
}

/** The old key, while the announcement it co-signs is not yet durable. */
export function readPrevKey(stateDir: string): Signer | undefined {
  const path = rekeyPath(stateDir, 'prevKey');
  return existsSync(path) ? algSigner(readAlgPrivateKeyFile(path)) : undefined;
}

/** The commit point: the verified new record (and label, written first), atomically. */
export function stageRecord(stateDir: string, record: Uint8Array, label?: Uint8Array): void {
  if (label) writeFileAtomicSync(rekeyPath(stateDir, 'nextLabel'), label);
  writeFileAtomicSync(rekeyPath(stateDir, 'nextRecord'), record);
}

function publicKeyOf(path: string): Uint8Array | undefined {
  return existsSync(path) ? algSigner(readAlgPrivateKeyFile(path)).publicKey : undefined;
}

function move(from: string, to: string, dir: string): void {
  renameSync(from, to);
  fsyncDirectory(dir);
}

/**
 * Finishes a staged rekey (idempotent; each step is checked against what is on disk, so a crash
 * between any two steps is finished by the next call). Returns true when a staged record was
 * installed. The record was verified before it was staged; the start-up identity check that
 * follows verifies it again with the key.
 */
export function rollForward(stateDir: string, faults: RekeyFaults = {}): boolean {
  const staged = rekeyPath(stateDir, 'nextRecord');
  if (!existsSync(staged)) return false;
  const record = new Uint8Array(readFileSync(staged));
  const want = openSign1(identityKind, record).value.devicePublicKey;
  const keyPath = join(stateDir, STATE_FILES.deviceKey);
  const nextPath = rekeyPath(stateDir, 'nextKey');
  const prevPath = rekeyPath(stateDir, 'prevKey');
  const current = publicKeyOf(keyPath);
  if (!current || !bytesEqual(current, want)) {
    // 1. The old key steps aside (kept to co-sign the announcement), 2. the new key takes its place.
    if (current && !existsSync(prevPath)) move(keyPath, prevPath, stateDir);
    faults.afterPrevKey?.();
    const next = publicKeyOf(nextPath);
    if (!next || !bytesEqual(next, want)) return false;
    move(nextPath, keyPath, stateDir);
    faults.afterNextKey?.();
  } else if (existsSync(nextPath)) {
    unlinkSync(nextPath);
  }
  // 3. The record that certifies it; the one it replaces is kept under its version.
  const identityPath = join(stateDir, STATE_FILES.identity);
  const held = new Uint8Array(readFileSync(identityPath));
  if (!bytesEqual(held, record)) writeFileAtomicSync(join(stateDir, `identity.v${openSign1(identityKind, held).value.recordVersion}.cose`), held);
  writeFileAtomicSync(identityPath, record);
  const label = rekeyPath(stateDir, 'nextLabel');
  if (existsSync(label)) {
    writeFileAtomicSync(join(stateDir, STATE_FILES.label), new Uint8Array(readFileSync(label)));
    unlinkSync(label);
  }
  faults.afterRecord?.();
  unlinkSync(staged);
  fsyncDirectory(stateDir);
  return true;
}

/** The records the unit held before its rekeys, those that still verify (oldest first). */
export function previousRecords(stateDir: string, trust: TrustStore): VerifiedIdentity[] {
  const out: VerifiedIdentity[] = [];
  for (const f of readdirSync(stateDir).filter((n) => /^identity\.v\d+\.cose$/.test(n))) {
    try {
      out.push(verifyIdentityRecord(new Uint8Array(readFileSync(join(stateDir, f))), trust));
    } catch {
      // A record that no longer verifies (its enterprise key revoked): entries under it show unverified.
    }
  }
  return out.sort((a, b) => a.record.recordVersion - b.record.recordVersion);
}

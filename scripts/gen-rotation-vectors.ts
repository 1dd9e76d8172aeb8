/**
 * Writes test/vectors/rotations.json: root rotation statements (docs/protocol.md §"Root
 * rotation") as hex, made from FIXED seeds and times, a valid chain v1 -> v2 -> v3 and
 * refusals, each with the chain applied first and the one RotationError code it must give.
 *
 *   npx tsx scripts/gen-rotation-vectors.ts           # refuses to overwrite an existing file
 *   npx tsx scripts/gen-rotation-vectors.ts --force   # regenerate on purpose (review the diff!)
 *
 * Ed25519 and our CBOR are deterministic, so test/unit/rotation-vectors.test.ts rebuilds them
 * with `buildRotationVectors()` and requires the committed hex exactly, and separately applies
 * each committed vector. The script checks the implementation agrees before writing.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { addSignature } from '../sdk/cose/sign.js';
import { signObjectMulti } from '../sdk/cose/object.js';
import { codeScheme } from '../sdk/code/index.js';
import { toHex } from '../sdk/crypto/hash.js';
import { seedSigner, type Signer } from '../sdk/crypto/signer.js';
import { RotationError } from '../sdk/errors.js';
import { applyRotation, rotationKind, signRotation, ROTATION_MAX_BYTES, type RotationStatement } from '../sdk/trust/rotation.js';
import { TrustStore, type Root } from '../sdk/trust/trust-store.js';
import { PROTOCOL_VERSION } from '../sdk/version.js';

const OUT = 'test/vectors/rotations.json';

/** Test-only seeds: 32 copies of one byte. Never use such keys for anything real. */
const SEEDS = { v1: 0x21, v2: 0x22, v3: 0x23, newKeyOnly: 0x24, otherV2: 0x25, v4: 0x26 } as const;
const signer = (k: keyof typeof SEEDS): Signer => seedSigner(new Uint8Array(32).fill(SEEDS[k]));

/** 2026-01-01T00:00:00Z. */
const T0 = 1_767_225_600;
const YEAR = 365 * 86_400;

export interface RotationFailure {
  name: string;
  hex: string;
  /** Names of statements of `chain` applied (in order) before this one is offered. */
  after: string[];
  code: string;
}

export interface RotationVectors {
  description: string;
  /** The provisioned trust store (root v1 of country 86). */
  trust: unknown;
  /** The valid chain, in order. */
  chain: { name: string; version: number; hex: string }[];
  failures: RotationFailure[];
}

function statement(previous: Root, next: Signer, version: number, notBefore: number): RotationStatement {
  return {
    v: PROTOCOL_VERSION,
    country: previous.country,
    version,
    previousKid: previous.kid,
    publicKey: next.publicKey,
    alg: next.alg,
    notBefore,
    notAfter: notBefore + 20 * YEAR,
    codeScheme: { charset: 'digits', check: 'none' },
    name: previous.name,
    issuedAt: notBefore,
  };
}

async function signWith(s: RotationStatement, signers: Signer[]): Promise<Uint8Array> {
  let bytes = await signObjectMulti(rotationKind, s, signers[0]!);
  for (const x of signers.slice(1)) bytes = await addSignature(bytes, x, { maxBytes: ROTATION_MAX_BYTES });
  return bytes;
}

export async function buildRotationVectors(): Promise<RotationVectors> {
  const v1 = signer('v1');
  const root1: Root = { country: '86', name: 'National robot ID root 86', publicKey: v1.publicKey, kid: v1.kid, codeScheme: codeScheme({}) };
  const trust = new TrustStore([root1]);
  const b2 = await signRotation({ previous: root1, previousSigner: v1, next: signer('v2'), notBefore: T0 + YEAR, notAfter: T0 + 21 * YEAR, issuedAt: T0 + YEAR });
  const at2 = applyRotation(b2, trust).trust;
  const root2 = at2.currentRoot('86')!;
  const b3 = await signRotation({ previous: root2, previousSigner: signer('v2'), next: signer('v3'), notBefore: T0 + 2 * YEAR, notAfter: T0 + 22 * YEAR, issuedAt: T0 + 2 * YEAR });
  const root3 = applyRotation(b3, at2).trust.currentRoot('86')!;
  const failures: RotationFailure[] = [
    { name: 'v2 signed by the new key only', hex: toHex(await signWith(statement(root1, signer('newKeyOnly'), 2, T0 + YEAR), [signer('newKeyOnly')])), after: [], code: 'ROTATION_SIGNATURE' },
    { name: 'v2 signed by the old root only', hex: toHex(await signWith(statement(root1, signer('newKeyOnly'), 2, T0 + YEAR), [v1])), after: [], code: 'ROTATION_SIGNATURE' },
    { name: 'v3 offered to a unit at v1 (skipped)', hex: toHex(b3), after: [], code: 'ROTATION_SKIPPED' },
    { name: 'another v2, signed by v1 and its new key, offered at v3 (rollback)', hex: toHex(await signWith(statement(root1, signer('otherV2'), 2, T0 + YEAR), [v1, signer('otherV2')])), after: ['v2', 'v3'], code: 'ROTATION_ROLLBACK' },
    { name: 'another v2 offered at v2 (fork)', hex: toHex(await signWith(statement(root1, signer('otherV2'), 2, T0 + YEAR), [v1, signer('otherV2')])), after: ['v2'], code: 'ROTATION_ROLLBACK' },
    { name: 'v4 naming v2 as its previous root, at v3', hex: toHex(await signWith(statement(root2, signer('v4'), 4, T0 + 3 * YEAR), [signer('v2'), signer('v4')])), after: ['v2', 'v3'], code: 'ROTATION_SIGNATURE' },
    { name: 'v4 for country 87', hex: toHex(await signWith({ ...statement(root3, signer('v4'), 4, T0 + 3 * YEAR), country: '87' }, [signer('v3'), signer('v4')])), after: ['v2', 'v3'], code: 'ROTATION_COUNTRY' },
  ];
  return {
    description: 'Root rotation statements from fixed test-only seeds (32 copies of one byte); never use these keys for anything real.',
    trust: trust.toJSON(),
    chain: [
      { name: 'v2', version: 2, hex: toHex(b2) },
      { name: 'v3', version: 3, hex: toHex(b3) },
    ],
    failures,
  };
}

/** Applies the vectors and returns what disagrees with them (empty when all agree). */
export function checkRotationVectors(v: RotationVectors): string[] {
  const bytes = (hex: string) => new Uint8Array(Buffer.from(hex, 'hex'));
  const problems: string[] = [];
  let store = TrustStore.fromJSON(v.trust);
  for (const link of v.chain) store = applyRotation(bytes(link.hex), store, { country: '86' }).trust;
  if (store.currentRoot('86')?.version !== v.chain.at(-1)!.version) problems.push('the chain does not end at its last version');
  for (const f of v.failures) {
    let s = TrustStore.fromJSON(v.trust);
    for (const name of f.after) s = applyRotation(bytes(v.chain.find((c) => c.name === name)!.hex), s).trust;
    try {
      applyRotation(bytes(f.hex), s, { country: '86' });
      problems.push(`${f.name}: accepted, expected ${f.code}`);
    } catch (err) {
      if (!(err instanceof RotationError) || err.code !== f.code) problems.push(`${f.name}: ${(err as Error).message}, expected ${f.code}`);
    }
  }
  return problems;
}

async function main(): Promise<void> {
  if (existsSync(OUT) && !process.argv.includes('--force')) {
    console.error(`${OUT} exists; vectors are never regenerated silently. Pass --force and review the diff.`);
    process.exit(1);
  }
  const v = await buildRotationVectors();
  const problems = checkRotationVectors(v);
  if (problems.length) {
    console.error(problems.join('\n'));
    process.exit(1);
  }
  writeFileSync(OUT, JSON.stringify(v, null, 2) + '\n');
  console.log(`wrote ${OUT}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();

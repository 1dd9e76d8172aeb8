/**
 * What `fleet watch` and `fleet ingest` both take: the trust store, the registry, the receipt
 * key and the revocation list, with their options and their checks.
 */
import { existsSync } from 'node:fs';
import { Revocations, TrustStore, loadAuthority, readRegistry, ROLES, type ReceiptSigner, type RegistryEntry } from '../../sdk/index.js';
import { UsageError, optionalString, requireString, type Io, type Options, type Values } from '../command.js';
import { passphraseOption, readPassphrase } from '../passphrase.js';
import { loadRevocations } from '../revocations.js';
import { brokerOptions } from './broker.js';

export const ingestOptions: Options = {
  ...brokerOptions,
  trust: { type: 'string' },
  registry: { type: 'string' },
  revocations: { type: 'string' },
  'recall-state': { type: 'string' },
  metrics: { type: 'string' },
  'receipt-key': { type: 'string' },
  'client-id': { type: 'string' },
  'verify-threads': { type: 'string' },
  json: { type: 'boolean' },
  ...passphraseOption,
};

/**
 * `--verify-threads <n>`: the threads that check signatures ahead of the ingest (0: none);
 * undefined without the option (the default: one per CPU on a host with more than one).
 */
export function verifyThreadsOf(values: Values): number | undefined {
  const raw = optionalString(values, 'verify-threads');
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n > 256) throw new UsageError(`--verify-threads: expected a whole number from 0 to 256, got ${JSON.stringify(raw)}`);
  return n;
}

export interface IngestInputs {
  trust: TrustStore;
  registry: RegistryEntry[];
  receipts?: ReceiptSigner;
  revocationsFile?: string;
  revocations: Revocations;
}

export function ingestInputs(values: Values, io: Io): IngestInputs {
  const trust = TrustStore.load(requireString(values, 'trust'));
  const registryFile = optionalString(values, 'registry');
  const registry = registryFile ? readRegistry(registryFile) : { entries: [], problems: [] };
  for (const p of registry.problems) io.err(`note: registry ${p}`);
  let receipts: ReceiptSigner | undefined;
  const receiptKey = optionalString(values, 'receipt-key');
  if (receiptKey) {
    const a = loadAuthority(receiptKey, { passphrase: readPassphrase(values) });
    if (!a.certificate || !a.meta.roles.includes(ROLES.receiptSign)) throw new UsageError(`--receipt-key ${receiptKey}: expected a platform authority with the ${ROLES.receiptSign} role`);
    receipts = { signer: a.signer, certificate: a.certificate };
  }
  const revocationsFile = optionalString(values, 'revocations');
  // The platform's index state has no state.json before its first publish or revocation: an
  // absent list is empty for now, and read when it appears.
  const absent = revocationsFile !== undefined && !existsSync(revocationsFile);
  if (absent) io.err(`note: --revocations ${revocationsFile} does not exist yet: no revocations until it does`);
  const revocations = absent ? Revocations.none : loadRevocations(revocationsFile);
  return { trust, registry: [...registry.entries], receipts, revocationsFile, revocations };
}

/**
 * `--trust <file>` for the commands that verify labels (verify, page, bundle): either a trust
 * store (`robot-id-trust/1`: roots only) or a trust bundle (`robot-id-bundle/1`: roots,
 * enterprise certificates, revocations; docs/protocol.md §"Trust bundle"). `--certs` adds
 * enterprise certificates (cert.cose files or authority directories, comma-separated) to either.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BUNDLE_FORMAT, TrustStore, makeTrustBundleJson, parseTrustBundle, type TrustBundle, type TrustBundleJson } from '../sdk/index.js';
import { UsageError } from './command.js';

const CERT_FILE = 'cert.cose';

function readCert(path: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(statSync(path).isDirectory() ? join(path, CERT_FILE) : path));
  } catch (err) {
    throw new UsageError(`--certs ${path}: expected a certificate file or an authority directory (${(err as Error).message})`);
  }
}

export function loadTrustInput(trustPath: string, certs?: string): TrustBundle {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(trustPath, 'utf8'));
  } catch (err) {
    throw new UsageError(`--trust ${trustPath}: expected a JSON trust store or trust bundle (${(err as Error).message})`);
  }
  const extra = (certs ?? '').split(',').filter(Boolean).map(readCert);
  const isBundle = typeof json === 'object' && json !== null && (json as { format?: unknown }).format === BUNDLE_FORMAT;
  const base: TrustBundleJson = isBundle ? (json as TrustBundleJson) : makeTrustBundleJson({ trust: TrustStore.fromJSON(json, `trust store ${trustPath}`), certificates: [] });
  const merged = extra.length === 0 ? base : { ...base, certificates: [...(base.certificates ?? []), ...makeTrustBundleJson({ trust: TrustStore.fromJSON(base.trust), certificates: extra }).certificates] };
  return parseTrustBundle(merged, `trust bundle ${trustPath}`);
}

/** Whether `bytes` (a file's head) is text starting with one of the QR prefixes. */
export function textHead(bytes: Uint8Array): string {
  return Buffer.from(bytes.subarray(0, 16)).toString('latin1');
}


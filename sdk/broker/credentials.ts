/**
 * Broker credentials (docs/broker.md). Each unit logs in to the broker with username = its
 * canonical code and a random password issued at provisioning. The broker holds only a
 * PBKDF2 hash of it; the password itself stays in the unit's state dir (broker.json, 0600).
 * Platform services log in under names that can never be a code (lower case, `platform-`).
 */
import { pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { KeyError } from '../errors.js';
import { writeFileAtomicSync } from '../util/atomic-file.js';

export const BROKER_CREDENTIALS_FORMAT = 'robot-id-broker/1';
export const BROKER_FILE = 'broker.json';

export interface BrokerCredentials {
  username: string;
  password: string;
}

/** A platform service's broker role (docs/broker.md §"Users"). */
export type PlatformBrokerRole = 'ingest' | 'recall';

const PLATFORM_USER = /^platform-[a-z0-9-]{1,48}$/;

export function isPlatformUsername(name: string): boolean {
  return PLATFORM_USER.test(name);
}

/** A fresh password: 32 random bytes, base64url (43 characters, no `:`). */
export function brokerCredentials(username: string, random: (n: number) => Uint8Array = randomBytes): BrokerCredentials {
  if (!/^[0-9A-Z]{1,64}$/.test(username) && !isPlatformUsername(username)) {
    throw new RangeError(`broker username: expected a canonical code or platform-<name>, got ${JSON.stringify(username)}`);
  }
  return { username, password: Buffer.from(random(32)).toString('base64url') };
}

/** mosquitto 2.x defaults: PBKDF2-HMAC-SHA512, 101 iterations, 12-byte salt, 64-byte hash. */
export const MOSQUITTO_PBKDF2 = { iterations: 101, saltBytes: 12, hashBytes: 64 } as const;

/**
 * One line of a mosquitto password file (`user:$7$iterations$salt$hash`, base64), the format
 * `mosquitto_passwd` writes. Iterations may be raised; mosquitto reads them from the line.
 */
export function mosquittoPasswordLine(
  creds: BrokerCredentials,
  options: { iterations?: number; salt?: Uint8Array } = {},
): string {
  if (creds.username.includes(':') || /\s/.test(creds.username)) throw new RangeError('broker username: must not contain ":" or whitespace');
  const iterations = options.iterations ?? MOSQUITTO_PBKDF2.iterations;
  const salt = options.salt ?? randomBytes(MOSQUITTO_PBKDF2.saltBytes);
  const hash = pbkdf2Sync(creds.password, salt, iterations, MOSQUITTO_PBKDF2.hashBytes, 'sha512');
  return `${creds.username}:$7$${iterations}$${Buffer.from(salt).toString('base64')}$${hash.toString('base64')}`;
}

export interface MosquittoPasswordLine {
  username: string;
  iterations: number;
  salt: Buffer;
  hash: Buffer;
}

/** The parts of one `user:$7$iterations$salt$hash` line exactly as given, or undefined when it is not one. */
export function parseMosquittoPasswordLine(line: string): MosquittoPasswordLine | undefined {
  const m = /^([^:]+):\$7\$(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/.exec(line);
  return m ? { username: m[1]!, iterations: Number(m[2]), salt: Buffer.from(m[3]!, 'base64'), hash: Buffer.from(m[4]!, 'base64') } : undefined;
}

/** Checks a password against a `$7$` line (for tests and operators' sanity checks). */
export function checkMosquittoPassword(line: string, password: string): boolean {
  const parsed = parseMosquittoPasswordLine(line.trim());
  if (!parsed) return false;
  const got = pbkdf2Sync(password, parsed.salt, parsed.iterations, parsed.hash.length, 'sha512');
  return timingSafeEqual(parsed.hash, got);
}

/** Writes broker.json (mode 0600) into a state dir. */
export function writeBrokerCredentials(file: string, creds: BrokerCredentials): void {
  writeFileAtomicSync(file, JSON.stringify({ format: BROKER_CREDENTIALS_FORMAT, ...creds }, null, 2) + '\n', { mode: 0o600 });
}

/** Reads broker.json, refusing a file readable by group or others (like a private key). */
export function readBrokerCredentials(file: string): BrokerCredentials {
  let mode: number;
  let json: unknown;
  try {
    mode = statSync(file).mode;
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new KeyError('KEY_NOT_FOUND', `${file}: expected broker credentials (${(err as Error).message})`, { cause: err });
  }
  if ((mode & 0o077) !== 0) throw new KeyError('KEY_PERMISSIONS', `${file}: expected mode 0600, got ${(mode & 0o777).toString(8)}`);
  const o = json as Partial<BrokerCredentials> & { format?: string };
  if (o.format !== BROKER_CREDENTIALS_FORMAT || typeof o.username !== 'string' || typeof o.password !== 'string') {
    throw new KeyError('KEY_FORMAT', `${file}: expected {format: ${BROKER_CREDENTIALS_FORMAT}, username, password}`);
  }
  return { username: o.username, password: o.password };
}

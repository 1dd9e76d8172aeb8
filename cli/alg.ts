/**
 * `--alg ed25519|sm2`: the signature algorithm of a key a command creates (docs/cli.md). The
 * certificate or identity record of the key pins it; absent means ed25519.
 */
import { ALG_NAMES, algFromName } from '../sdk/index.js';
import { UsageError, optionalString, type Values } from './command.js';

export const algOption = { alg: { type: 'string' } } as const;

export const ALG_USAGE = `[--alg ${ALG_NAMES.join('|')}]`;

/** The COSE alg named by --alg, undefined when absent (the SDK's default, EdDSA). */
export function readAlg(values: Values): number | undefined {
  const name = optionalString(values, 'alg');
  if (name === undefined) return undefined;
  try {
    return algFromName(name);
  } catch {
    // algFromName's RangeError says the same; a usage error exits 2 with the usage line.
    throw new UsageError(`--alg: expected one of ${ALG_NAMES.join(', ')}, got ${name}`);
  }
}

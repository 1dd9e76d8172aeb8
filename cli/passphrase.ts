import { readFileSync } from 'node:fs';
import type { Options, Values } from './command.js';

/** `--passphrase-file <f>`: the first line of a file; never a command-line value (ps shows those). */
export const passphraseOption: Options = { 'passphrase-file': { type: 'string' } };

export function readPassphrase(values: Values): string | undefined {
  const file = values['passphrase-file'];
  if (typeof file !== 'string') return undefined;
  return readFileSync(file, 'utf8').split(/\r?\n/)[0];
}

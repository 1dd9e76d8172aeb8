/** Reads this machine's hardware identifier from the configured source (a file or a command). */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { HardwareIdSource } from '../config/index.js';

/** Throws an Error describing the source when it cannot be read or is empty. */
export function readHardwareId(source: HardwareIdSource): string {
  let raw: string;
  if ('file' in source) {
    raw = readFileSync(source.file, 'utf8');
  } else {
    raw = execFileSync(source.command, source.args, { encoding: 'utf8', timeout: source.timeoutMs, stdio: ['ignore', 'pipe', 'pipe'] });
  }
  const id = raw.trim();
  if (id.length === 0) throw new Error('the source gave an empty identifier');
  return id;
}

export function describeSource(source: HardwareIdSource): string {
  return 'file' in source ? `file ${source.file}` : `command ${source.command}`;
}

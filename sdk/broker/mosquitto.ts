/**
 * What a mosquitto operator needs (docs/broker.md): the ACL that confines every unit to its
 * own topics and reserves platform topics to platform users, and password-file maintenance.
 * The topic patterns follow sdk/topics.ts; a unit's username is its code (`%u`).
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import { TOPIC_ROOT, type UnitChannel } from '../topics.js';
import { writeFileAtomicSync } from '../util/atomic-file.js';
import { isPlatformUsername, type PlatformBrokerRole } from './credentials.js';

/** Channels a unit publishes on (and nothing else). */
export const UNIT_WRITE_CHANNELS: readonly UnitChannel[] = ['identity', 'birth', 'death', 'offline', 'hb', 'evt', 'ack'];

export interface PlatformUser {
  username: string;
  role: PlatformBrokerRole;
}

/** The mosquitto ACL file text. Anything not granted here is denied. */
export function mosquittoAcl(platformUsers: readonly PlatformUser[]): string {
  const lines = [
    '# robot-id broker ACL (generated; docs/broker.md). Anything not granted is denied.',
    '# Units: username = canonical code. Each publishes only under its own code.',
    ...UNIT_WRITE_CHANNELS.map((c) => `pattern write ${TOPIC_ROOT}/u/%u/${c}`),
    `pattern read ${TOPIC_ROOT}/u/%u/receipt`,
    '# Recalls and indexes are public within the fleet (they are signed); only platform users write them.',
    `pattern read ${TOPIC_ROOT}/recall/#`,
    `pattern read ${TOPIC_ROOT}/index/#`,
  ];
  for (const u of platformUsers) {
    if (!isPlatformUsername(u.username)) throw new RangeError(`platform user: expected platform-<name>, got ${JSON.stringify(u.username)}`);
    lines.push('', `user ${u.username}`);
    if (u.role === 'ingest') {
      lines.push(`topic read ${TOPIC_ROOT}/u/#`, `topic write ${TOPIC_ROOT}/u/+/receipt`);
    } else {
      lines.push(`topic readwrite ${TOPIC_ROOT}/recall/#`, `topic readwrite ${TOPIC_ROOT}/index/#`, `topic read ${TOPIC_ROOT}/u/+/ack`);
    }
  }
  return lines.join('\n') + '\n';
}

export function writeMosquittoAcl(file: string, platformUsers: readonly PlatformUser[]): void {
  writeFileAtomicSync(file, mosquittoAcl(platformUsers), { mode: 0o640 });
}

/**
 * Adds or replaces one user's line in a mosquitto password file, durably. A replaced line keeps
 * its position; the file stays 0640 (mosquitto reads it; nobody else needs to).
 */
export function upsertPasswordLine(file: string, line: string): void {
  upsertPasswordLines(file, [line]);
}

/**
 * The same for many lines in one durable write (importing a fleet's registrations: one
 * rewrite, not one per unit). A later line for the same user wins. Users in `remove` lose
 * their line (a revoked or scrapped unit); a user both added and removed is a RangeError.
 * Returns the users whose lines were removed.
 */
export function upsertPasswordLines(file: string, lines: readonly string[], options: { remove?: Iterable<string> } = {}): string[] {
  const userOf = (line: string): string => {
    const at = line.indexOf(':');
    if (at <= 0) throw new RangeError(`password file line: expected user:$7$..., got ${JSON.stringify(line.slice(0, 40))}`);
    return line.slice(0, at);
  };
  const updates = new Map(lines.map((l) => [userOf(l), l]));
  const remove = new Set(options.remove ?? []);
  for (const user of remove) if (updates.has(user)) throw new RangeError(`password file: ${user} is both added and removed`);
  if (!existsSync(file)) {
    if (updates.size === 0) return [];
    const fd = openSync(file, 'wx', 0o640);
    try {
      writeSync(fd, [...updates.values()].join('\n') + '\n');
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    return [];
  }
  const held = readFileSync(file, 'utf8').split('\n').filter((l) => l.length > 0);
  const out: string[] = [];
  const removed: string[] = [];
  for (const l of held) {
    const user = l.slice(0, Math.max(0, l.indexOf(':'))); // a line of another shape is kept as it is
    if (remove.has(user)) {
      removed.push(user);
      continue;
    }
    const line = updates.get(user);
    if (line === undefined) out.push(l);
    else {
      updates.delete(user);
      out.push(line);
    }
  }
  if (lines.length === 0 && removed.length === 0) return [];
  out.push(...updates.values());
  writeFileAtomicSync(file, out.length > 0 ? out.join('\n') + '\n' : '', { mode: 0o640 });
  return removed;
}

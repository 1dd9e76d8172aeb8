/**
 * The ingest's view of which units are online, written beside its store
 * (`<ingest state>/presence.json`, atomically, every few seconds and at exit) so that other
 * commands (`robot-id fleet units`) can answer without the running process. Presence is
 * recomputed from messages at every start; the file is a view, never an input of the ingest.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomicSync, type FleetIngest } from '../sdk/index.js';

export const PRESENCE_FILE = 'presence.json';
export const PRESENCE_FORMAT = 'robot-id-presence/1';

export interface PresenceEntry {
  online: boolean;
  /** Offline because a heartbeat deadline passed (no goodbye). */
  silent: boolean;
  /** The newest signed birth or heartbeat time, seconds. */
  seenAt?: number;
  /** From the newest heartbeat: the unit's root version, and its nearest certificate expiry. */
  rootVersion?: number;
  certExpiry?: { kind: string; notAfter: number };
}

export interface PresenceSnapshot {
  format: string;
  /** Milliseconds since the epoch. */
  writtenAt: number;
  units: Record<string, PresenceEntry>;
}

export function writePresenceSnapshot(dir: string, ingest: FleetIngest, nowMs = Date.now()): void {
  const units: Record<string, PresenceEntry> = {};
  for (const [code, u] of ingest.presence.entries()) {
    units[code] = {
      online: u.online,
      silent: u.silent === true,
      ...(u.seenAt !== undefined ? { seenAt: u.seenAt } : {}),
      ...(u.rootVersion !== undefined ? { rootVersion: u.rootVersion } : {}),
      ...(u.certExpiry ? { certExpiry: u.certExpiry } : {}),
    };
  }
  const snap: PresenceSnapshot = { format: PRESENCE_FORMAT, writtenAt: nowMs, units };
  writeFileAtomicSync(join(dir, PRESENCE_FILE), JSON.stringify(snap) + '\n', { mode: 0o640 });
}

/** The snapshot in `dir`, or undefined when there is none (or it is not one). */
export function readPresenceSnapshot(dir: string): PresenceSnapshot | undefined {
  const file = join(dir, PRESENCE_FILE);
  if (!existsSync(file)) return undefined;
  try {
    const j = JSON.parse(readFileSync(file, 'utf8')) as PresenceSnapshot;
    return j.format === PRESENCE_FORMAT && typeof j.units === 'object' && j.units !== null ? j : undefined;
  } catch {
    return undefined;
  }
}

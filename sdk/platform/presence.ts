/**
 * Online/offline per unit (docs/protocol.md §"Birth, death and offline"). A birth makes a unit
 * online under its birth sequence (boot, session); a death (the Will) or offline message
 * takes it offline only if it carries that same sequence or a newer one, so a late Will of an
 * older session never marks a newer session dead. A heartbeat sets the deadline
 * (nextDueBy + grace); `expired(now)` lists units whose deadline passed.
 */
import { compareBirthSeq, type BirthSeq } from '../messages/birth.js';

export interface UnitPresence {
  online: boolean;
  birth?: BirthSeq;
  hb?: { boot: number; counter: number };
  /** Milliseconds since the epoch. */
  deadline?: number;
  /** Offline because its heartbeat deadline passed, not by a death or offline message. */
  silent?: boolean;
  /** The signed time (seconds) of the newest birth or heartbeat accepted. */
  seenAt?: number;
  /** What the newest heartbeat reported: the unit's root version (label 19). */
  rootVersion?: number;
  /** And the certificate it depends on that expires first (label 20). */
  certExpiry?: { kind: string; notAfter: number };
}

export type PresenceVerdict = 'ok' | 'replayed' | 'stale';

export class PresenceTracker {
  private readonly units = new Map<string, UnitPresence>();

  constructor(private readonly graceMs: number) {}

  get(code: string): UnitPresence | undefined {
    return this.units.get(code);
  }

  private unit(code: string): UnitPresence {
    let u = this.units.get(code);
    if (!u) {
      // Every field from the start: one shape for every unit, all its fields in the object
      // itself (added one by one later, they went to a separate property array per unit).
      u = { online: false, birth: undefined, hb: undefined, deadline: undefined, silent: undefined, seenAt: undefined };
      this.units.set(code, u);
    }
    return u;
  }

  /**
   * 'replayed' for a birth not newer than the latest one. The first heartbeat is due within
   * the interval the birth announces (time + heartbeatIntervalS).
   */
  birth(code: string, seq: BirthSeq & { time: number; heartbeatIntervalS: number }): PresenceVerdict {
    const u = this.unit(code);
    if (u.birth && compareBirthSeq(seq, u.birth) <= 0) return 'replayed';
    u.birth = { boot: seq.boot, session: seq.session };
    u.seenAt = Math.max(u.seenAt ?? 0, seq.time);
    u.online = true;
    u.silent = false;
    u.deadline = Math.max(u.deadline ?? 0, (seq.time + seq.heartbeatIntervalS) * 1000 + this.graceMs);
    return 'ok';
  }

  /** Death or offline: 'stale' when it belongs to an older session than the latest birth. */
  end(code: string, seq: BirthSeq): PresenceVerdict {
    const u = this.unit(code);
    if (u.birth && compareBirthSeq(seq, u.birth) < 0) return 'stale';
    if (!u.birth && u.hb && seq.boot < u.hb.boot) return 'stale';
    u.birth = { boot: seq.boot, session: seq.session };
    u.online = false;
    u.deadline = undefined;
    return 'ok';
  }

  /** 'replayed' for (boot, counter) not newer than the last heartbeat. */
  heartbeat(code: string, seq: { boot: number; counter: number; time?: number; rootVersion?: number; certExpiry?: { kind: string; notAfter: number } }, nextDueByS: number): PresenceVerdict {
    const u = this.unit(code);
    if (u.hb && (seq.boot < u.hb.boot || (seq.boot === u.hb.boot && seq.counter <= u.hb.counter))) return 'replayed';
    if (u.birth && seq.boot < u.birth.boot) return 'stale';
    // Updated in place: a heartbeat a minute per unit need not leave an object behind each time.
    if (u.hb) {
      u.hb.boot = seq.boot;
      u.hb.counter = seq.counter;
    } else u.hb = { boot: seq.boot, counter: seq.counter };
    if (seq.time !== undefined) u.seenAt = Math.max(u.seenAt ?? 0, seq.time);
    if (seq.rootVersion !== undefined) u.rootVersion = seq.rootVersion;
    if (seq.certExpiry) u.certExpiry = { kind: seq.certExpiry.kind, notAfter: seq.certExpiry.notAfter };
    u.deadline = nextDueByS * 1000 + this.graceMs;
    return 'ok';
  }

  /** How many units the tracker knows. */
  get size(): number {
    return this.units.size;
  }

  /** Every unit's presence, for a snapshot (fleet watch writes one beside its store). */
  entries(): IterableIterator<[string, Readonly<UnitPresence>]> {
    return this.units.entries();
  }

  /**
   * How many units are online and offline now, and how many of the offline ones went quiet
   * (missed their heartbeat deadline) rather than saying goodbye (a death or offline message).
   */
  counts(): { online: number; offline: number; silent: number } {
    let online = 0;
    let offline = 0;
    let silent = 0;
    for (const u of this.units.values()) {
      if (u.online) online++;
      else {
        offline++;
        if (u.silent) silent++;
      }
    }
    return { online, offline, silent };
  }

  /** Units whose deadline passed (what `expired` would take offline now), without changing them. */
  due(nowMs: number): string[] {
    const out: string[] = [];
    for (const [code, u] of this.units) if (u.deadline !== undefined && u.deadline < nowMs) out.push(code);
    return out;
  }

  /**
   * A later deadline learned elsewhere (a heartbeat another ingest worker received): the unit
   * stays online until then. An earlier one changes nothing.
   */
  extend(code: string, deadlineMs: number): void {
    const u = this.units.get(code);
    if (u && u.deadline !== undefined && deadlineMs > u.deadline) u.deadline = deadlineMs;
  }

  /** Marks online units whose heartbeat deadline passed as offline and returns them. */
  expired(nowMs: number): string[] {
    const out: string[] = [];
    for (const [code, u] of this.units) {
      if (u.deadline !== undefined && u.deadline < nowMs) {
        u.deadline = undefined;
        if (u.online || u.birth === undefined) out.push(code);
        u.online = false;
        u.silent = true;
      }
    }
    return out;
  }

  /** Marks a unit online (a heartbeat from a unit considered offline). Returns true if it changed. */
  seen(code: string): boolean {
    const u = this.unit(code);
    if (u.online) return false;
    u.online = true;
    u.silent = false;
    return true;
  }
}

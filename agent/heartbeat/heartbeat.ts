/**
 * Heartbeats (docs/protocol.md §"Heartbeats"): signed every `intervalMs` and after every birth,
 * published at QoS 1 and never queued (only the latest matters; a missed one is not resent).
 * The broker's PUBACK is the heartbeat's confirmation: `stats.lastConfirmedAt` (ms) feeds
 * the status and the health verdict (docs/local-api.md §"GET /v1/health"). The link uses a
 * fresh in-memory store per connection, so MQTT.js never resends an old heartbeat.
 * The sequence is (bootCount, counter) with the counter in memory, so there is no disk write
 * per heartbeat. `nextDueBy` tells the platform when to consider the unit silent.
 */
import type { Logger } from 'pino';
import { signHeartbeat, unitTopic, type CertExpiry, type Signer } from '../../sdk/index.js';
import type { MqttLink } from '../link/link.js';

export interface HeartbeatStatus {
  state: string;
  outboxDepth: number;
  logSeq: number;
  logHash: Uint8Array;
  activeRecalls?: string[];
  recallIndexStale?: boolean;
  revoked?: boolean;
  storage?: 'full';
  registration?: 'held' | 'none' | 'waived';
  region?: string;
  rootVersion?: number;
  certExpiry?: CertExpiry;
}

export interface HeartbeatDeps {
  code: string;
  signer: Signer;
  bootCount: number;
  intervalMs: number;
  agentVersion: string;
  firmwareVersion: string;
  log: Logger;
  status(): HeartbeatStatus;
  /** Milliseconds clock (default Date.now). */
  now?: () => number;
}

export class HeartbeatPublisher {
  readonly stats: { sent: number; skipped: number; failed: number; lastConfirmedAt?: number } = { sent: 0, skipped: 0, failed: 0 };
  private counter = 0;
  private timer: NodeJS.Timeout | undefined;
  private link: MqttLink | undefined;
  private readonly startedAt: number;
  private readonly sources: (() => Partial<HeartbeatStatus>)[] = [];

  constructor(private readonly deps: HeartbeatDeps) {
    this.startedAt = this.now();
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  /** Adds fields to every heartbeat (recall delivery adds activeRecalls, recallIndexStale, revoked). */
  addSource(source: () => Partial<HeartbeatStatus>): void {
    this.sources.push(source);
  }

  /** Beats every intervalMs; the first beat of a connection is triggered by presence after the birth. */
  start(link: MqttLink): void {
    this.link = link;
    this.timer = setInterval(() => void this.beat(), this.deps.intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Signs and publishes one heartbeat now; skipped (not queued) while disconnected. */
  async beat(): Promise<void> {
    const link = this.link;
    if (!link?.connected) {
      this.stats.skipped++;
      return;
    }
    const now = this.now();
    const s: HeartbeatStatus = { ...this.deps.status() };
    for (const source of this.sources) Object.assign(s, source());
    const bytes = await signHeartbeat(this.deps.signer, {
      code: this.deps.code,
      boot: this.deps.bootCount,
      counter: ++this.counter,
      time: Math.floor(now / 1000),
      uptimeS: Math.floor((now - this.startedAt) / 1000),
      state: s.state,
      agentVersion: this.deps.agentVersion,
      firmwareVersion: this.deps.firmwareVersion,
      outboxDepth: s.outboxDepth,
      logSeq: s.logSeq,
      logHash: s.logHash,
      nextDueBy: Math.ceil((now + this.deps.intervalMs) / 1000),
      ...(s.activeRecalls ? { activeRecalls: s.activeRecalls } : {}),
      ...(s.recallIndexStale !== undefined ? { recallIndexStale: s.recallIndexStale } : {}),
      ...(s.revoked !== undefined ? { revoked: s.revoked } : {}),
      ...(s.storage ? { storage: s.storage } : {}),
      ...(s.registration ? { registration: s.registration } : {}),
      ...(s.region ? { region: s.region } : {}),
      ...(s.rootVersion !== undefined ? { rootVersion: s.rootVersion } : {}),
      ...(s.certExpiry ? { certExpiry: s.certExpiry } : {}),
    });
    try {
      await link.publish(unitTopic(this.deps.code, 'hb'), bytes, { qos: 1 });
      this.stats.sent++;
      this.stats.lastConfirmedAt = this.now();
    } catch {
      // Disconnected between the check and the write: heartbeats are never queued.
      this.stats.failed++;
    }
  }
}

/** Heartbeats for tests that sign their own (forgeries, replays, streams fed to an ingest). */
import type { Heartbeat } from '../../sdk/index.js';

export type HeartbeatFields = Omit<Heartbeat, 'v'>;

/**
 * The fields of a heartbeat of a unit in service with an empty event log: boot 1, counter 1,
 * signed now, next due in 60 s; `over` replaces any of them.
 */
export function testHeartbeat(code: string, over: Partial<HeartbeatFields> = {}): HeartbeatFields {
  const time = over.time ?? Math.floor(Date.now() / 1000);
  return { code, boot: 1, counter: 1, time, uptimeS: 1, state: 'in_service', agentVersion: 'x', firmwareVersion: 'y', outboxDepth: 0, logSeq: 0, logHash: new Uint8Array(32), nextDueBy: time + 60, ...over };
}

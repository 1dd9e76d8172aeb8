/**
 * Fills an event log to `mib` MiB with signed maintenance entries, 256 submitters at once (so
 * they go through the signing thread and group commit), as after years of service. Returns the
 * number of entries. Used by eventlog-open.ts and agent-process.ts.
 */
import { EventLog, type EventLogOptions } from '../../agent/eventlog/index.js';

export async function fillEventLog(options: EventLogOptions, mib: number): Promise<number> {
  const log = await EventLog.open(options);
  let full = false;
  const submitter = async (): Promise<void> => {
    while (!full) {
      await log.append({ kind: 'maintenance', note: 'filter replaced on joint 3; torque sensor recalibrated' });
      if (log.bytes >= mib << 20) full = true;
    }
  };
  await Promise.all(Array.from({ length: 256 }, submitter));
  const n = log.head.seq;
  await log.close();
  return n;
}

/**
 * CPU accounting for the fleet simulation's recall window, read from /proc (Linux): the CPU
 * time of each process (workers, the platform, mosquitto) and the machine's busy and idle
 * time, so a run says where the two cores went rather than only how long it took. Elsewhere
 * every figure is undefined and the summary says so.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;
function hz(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100; // the Linux default (USER_HZ)
    }
  }
  return ticksPerSecond;
}

/** CPU time (user + system) of one process in ms, or undefined when /proc cannot tell. */
export function processCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces, in parentheses): state is the
    // first; utime and stime are fields 14 and 15 of the whole line, 12 and 13 here.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) / hz()) * 1000;
  } catch {
    return undefined;
  }
}

/** The machine's busy and idle time over all CPUs in ms (from the first line of /proc/stat). */
export function machineCpuMs(): { busy: number; idle: number } | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const idle = (v[3] ?? 0) + (v[4] ?? 0); // idle + iowait
    const total = v.slice(0, 8).reduce((a, b) => a + b, 0); // up to steal; guest is in user already
    return { busy: ((total - idle) / hz()) * 1000, idle: (idle / hz()) * 1000 };
  } catch {
    return undefined;
  }
}

export interface CpuSnapshot {
  workers: (number | undefined)[];
  platform: number | undefined;
  /** The first of the platform's other processes (the ingest), also counted in `platform`. */
  ingest: number | undefined;
  broker: number | undefined;
  machine: { busy: number; idle: number } | undefined;
}

/** `platformPids`: the platform's other processes (the ingest), counted with this one. */
export function cpuSnapshot(workerPids: (number | undefined)[], brokerPid: number | undefined, ...platformPids: (number | undefined)[]): CpuSnapshot {
  const parts = [process.pid, ...platformPids].map(processCpuMs);
  const platform = parts.some((x) => x === undefined) ? undefined : parts.reduce((a, b) => a! + b!, 0);
  return { workers: workerPids.map(processCpuMs), platform, ingest: parts[1], broker: processCpuMs(brokerPid), machine: machineCpuMs() };
}

export interface CpuWindow {
  /** CPU ms of each worker, the platform and mosquitto between the two snapshots. */
  workers: number | undefined;
  platform: number | undefined;
  /** The ingest process alone (part of `platform`). */
  ingest: number | undefined;
  broker: number | undefined;
  /** Machine-wide busy and idle CPU ms (all cores, every process, not only this simulation). */
  busy: number | undefined;
  idle: number | undefined;
}

export function cpuWindow(a: CpuSnapshot, b: CpuSnapshot): CpuWindow {
  const d = (x: number | undefined, y: number | undefined): number | undefined => (x === undefined || y === undefined ? undefined : y - x);
  const per = a.workers.map((x, i) => d(x, b.workers[i]));
  return {
    workers: per.some((x) => x === undefined) ? undefined : per.reduce((s, x) => s! + x!, 0),
    platform: d(a.platform, b.platform),
    ingest: d(a.ingest, b.ingest),
    broker: d(a.broker, b.broker),
    busy: d(a.machine?.busy, b.machine?.busy),
    idle: d(a.machine?.idle, b.machine?.idle),
  };
}

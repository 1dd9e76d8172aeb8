/**
 * When handing work to a thread pays: the agent's signing thread (`signingThread: 'burst'`,
 * docs/key-handling.md §"The signing thread") and the fleet ingest's verification threads
 * (docs/operations.md §"Verification threads"). A thread costs CPU of its own (the hand-off
 * both ways: about 20 µs per event signed in the local API benchmark, about 25 µs per message
 * verified in the ingest's, docs/performance.md) and gains only when the event loop is the
 * bottleneck and another core is free to do the work. So work goes to the thread only when,
 * over the last sample window, the event loop was nearly saturated and the machine had at
 * least half a core idle; it stays there while the loop stays busy.
 * Sampled at most once per window: one eventLoopUtilization() and one os.cpus() call.
 */
import { cpus } from 'node:os';
import { performance, type EventLoopUtilization } from 'node:perf_hooks';

export interface ThreadPaysOptions {
  /** Event-loop utilisation (0..1) from which a burst goes to the thread (default 0.9). */
  engageAt?: number;
  /** While on the thread, the utilisation below which bursts come back to the loop (default 0.5). */
  releaseBelow?: number;
  /** Idle CPU, in cores, the machine must have had over the window (default 0.5). */
  idleCores?: number;
  /** Sample window in ms (default 250). */
  windowMs?: number;
  /** Injected for tests: the loop's utilisation and the machine's idle cores since the last call. */
  sample?: () => { loop: number; idleCores: number };
  now?: () => number;
}

function idleAndTotal(): { idle: number; total: number } {
  let idle = 0;
  let total = 0;
  for (const c of cpus()) {
    const t = c.times;
    idle += t.idle;
    total += t.user + t.nice + t.sys + t.idle + t.irq;
  }
  return { idle, total };
}

/** The real sample: this process's event loop and the whole machine's idle time. */
function systemSampler(): () => { loop: number; idleCores: number } {
  let elu: EventLoopUtilization = performance.eventLoopUtilization();
  let cpu = idleAndTotal();
  let at = performance.now();
  return () => {
    const nextElu = performance.eventLoopUtilization();
    const nextCpu = idleAndTotal();
    const now = performance.now();
    const loop = performance.eventLoopUtilization(nextElu, elu).utilization;
    // os.cpus() times are in ms per core: idle ms over the window's ms is idle cores.
    const idleCores = now > at ? (nextCpu.idle - cpu.idle) / (now - at) : 0;
    elu = nextElu;
    cpu = nextCpu;
    at = now;
    return { loop, idleCores };
  };
}

export function threadPays(options: ThreadPaysOptions = {}): () => boolean {
  const engageAt = options.engageAt ?? 0.9;
  const releaseBelow = options.releaseBelow ?? 0.5;
  const idleCores = options.idleCores ?? 0.5;
  const windowMs = options.windowMs ?? 250;
  const now = options.now ?? (() => performance.now());
  let sample = options.sample;
  let last = now();
  let engaged = false;
  return () => {
    const t = now();
    if (!sample) {
      // The first window starts at the first burst.
      sample = systemSampler();
      last = t;
      return engaged;
    }
    if (t - last < windowMs) return engaged;
    last = t;
    const s = sample();
    engaged = engaged ? s.loop >= releaseBelow : s.loop >= engageAt && s.idleCores >= idleCores;
    return engaged;
  };
}

/**
 * The simulation's platform ingest: the real `robot-id fleet watch` process (the node bundle)
 * with its store, receipts and registry, as an operator runs it, read through its JSON lines.
 * Its CPU counts as the platform's (cpu.ts).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';

export const BUNDLE = 'dist/robot-id.cjs';

export interface IngestLine {
  code?: string;
  kind: string;
  seq?: number;
  verified: boolean;
  reason?: string;
  status?: string;
}

export interface IngestProcess {
  child: ChildProcess;
  stats: { verified: number; rejected: number };
  onLine(fn: (l: IngestLine) => void): void;
  close(): Promise<void>;
}

export function startIngestProcess(args: { brokerUrl: string; trustFile: string; registryFile: string; stateDir: string; receiptKeyDir: string; profileDir?: string }): IngestProcess {
  // The bundle the product ships; built here when this checkout has none yet.
  if (!existsSync(BUNDLE)) spawnSync(process.execPath, ['scripts/bundle.mjs'], { stdio: 'inherit' });
  const child = spawn(
    process.execPath,
    [
      // --profile: the ingest's whole run (connect phase included), written when it stops.
      ...(args.profileDir ? ['--cpu-prof', '--cpu-prof-dir', args.profileDir, '--cpu-prof-name', 'ingest.cpuprofile'] : []),
      BUNDLE, 'fleet', 'watch', '--broker', args.brokerUrl, '--trust', args.trustFile, '--registry', args.registryFile, '--state', args.stateDir, '--receipt-key', args.receiptKeyDir, '--client-id', 'fleet-sim-ingest', '--json'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  // Verified messages only: the ingest also prints state changes (online, offline, gap).
  const MESSAGE_KINDS = new Set(['identity', 'birth', 'death', 'offline', 'heartbeat', 'event', 'ack']);
  const stats = { verified: 0, rejected: 0 };
  const listeners: ((l: IngestLine) => void)[] = [];
  createInterface({ input: child.stdout! }).on('line', (text) => {
    if (!text.startsWith('{')) return;
    const l = JSON.parse(text) as IngestLine;
    if (!l.verified) stats.rejected++;
    else if (MESSAGE_KINDS.has(l.kind) && !('via' in l)) stats.verified++;
    for (const fn of listeners) fn(l);
  });
  return {
    child,
    stats,
    onLine: (fn) => void listeners.push(fn),
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await gone;
      clearTimeout(t);
    },
  };
}

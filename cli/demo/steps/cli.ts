/**
 * Runs a real `robot-id` command in this process with captured output, so the story shows
 * the exact command a technician would type and what it printed.
 */
import type { Io } from '../../command.js';
import { runCli } from '../../run.js';

export interface CliRun {
  status: number;
  out: string[];
  err: string[];
}

export async function robotId(argv: string[]): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (l) => out.push(l), err: (l) => err.push(l), stdin: async () => '' };
  const status = await runCli(argv, io);
  return { status, out, err };
}

/** Shortens temp-dir paths in a displayed command line. */
export function shown(argv: readonly string[], dir: string): string {
  return ['robot-id', ...argv].map((a) => a.split(dir).join('$DEMO')).map((a) => (/[\s"]/.test(a) ? JSON.stringify(a) : a)).join(' ');
}

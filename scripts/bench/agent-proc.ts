/**
 * Runs the real agent as a child process for the start-up and memory benchmarks: a unit
 * provisioned with the SDK into a state dir, a config file pointing at a local broker, and
 * helpers to spawn the node bundle (dist/robot-id.cjs) or the single executable
 * (dist/robot-id-linux-x64) and to read a process's resident memory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { provisionUnit, type Authority } from '../../sdk/index.js';

export const BUNDLE = 'dist/robot-id.cjs';
export const BINARY = 'dist/robot-id-linux-x64';

export interface AgentUnit {
  code: string;
  stateDir: string;
  configFile: string;
}

export async function provisionAgent(enterprise: Authority, dir: string, code: string, brokerUrl: string, extra: Record<string, unknown> = {}): Promise<AgentUnit> {
  const stateDir = join(dir, `unit-${code}`);
  const hardwareIdFile = join(dir, `hw-${code}`);
  writeFileSync(hardwareIdFile, `bench-hw-${code}\n`);
  await provisionUnit({ enterprise, code, modelName: 'Bench H1', hardwareId: `bench-hw-${code}`, stateDir });
  const configFile = join(dir, `agent-${code}.json`);
  writeFileSync(
    configFile,
    JSON.stringify({ stateDir, hardwareIdSource: { file: hardwareIdFile }, brokerUrl, heartbeatIntervalMs: 60_000, logLevel: 'warn', reconnectMinMs: 100, reconnectMaxMs: 1000, ...extra }, null, 2),
  );
  return { code, stateDir, configFile };
}

export interface Runner {
  name: string;
  command: string;
  args: string[];
}

/** The ways to start the agent that exist in this checkout. */
export function runners(): Runner[] {
  const out: Runner[] = [];
  if (existsSync(BUNDLE)) out.push({ name: 'node bundle (dist/robot-id.cjs)', command: process.execPath, args: [BUNDLE] });
  if (existsSync(BINARY)) out.push({ name: 'single executable (dist/robot-id-linux-x64)', command: BINARY, args: [] });
  return out;
}

export function spawnAgent(r: Runner, unit: AgentUnit): ChildProcess {
  return spawn(r.command, [...r.args, 'agent', '--config', unit.configFile], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ROBOT_ID_LOG_LEVEL: 'warn' } });
}

export async function stopChild(child: ChildProcess, timeoutMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(t);
}

/** Resident set size of a process in bytes (VmRSS of /proc/<pid>/status). */
export function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) * 1024;
}

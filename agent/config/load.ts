/**
 * Configuration: defaultConfig, overridden by a JSON file, then by ROBOT_ID_* environment
 * variables; validated once (every problem reported together), frozen, passed down.
 * This is the only module that reads process.env.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { defaultConfig } from './defaults.js';
import { CONFIG_KEYS, envName, type KeySpec } from './schema.js';
import type { AgentConfig, ConfigInput } from './types.js';
import { validateConfig } from './validate.js';

export interface LoadConfigOptions {
  /** A JSON file with any subset of the keys. */
  file?: string;
  /** Environment to read ROBOT_ID_* from; default process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Programmatic overrides applied last (tests, the demo). */
  overrides?: ConfigInput;
}

function fromEnvString(spec: KeySpec, raw: string): unknown {
  switch (spec.type.t) {
    case 'int': {
      const n = Number(raw.trim());
      return raw.trim() === '' || !Number.isFinite(n) ? raw : n;
    }
    case 'bool': {
      // true/false as JSON writes them; anything else is left for the validator to report.
      const t = raw.trim().toLowerCase();
      return t === 'true' ? true : t === 'false' ? false : raw;
    }
    case 'hardwareIdSource':
    case 'recallAction':
      try {
        return JSON.parse(raw) as unknown;
      } catch {
        // Not JSON: a bare path is the common case for the hardware id; anything else is
        // left as the string so the validator reports it against the key.
        return spec.type.t === 'hardwareIdSource' && raw.startsWith('/') ? { file: raw } : raw;
      }
    default:
      return raw;
  }
}

function readFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([`--config ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`]);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ConfigError([`--config ${file}: expected JSON, ${(err as Error).message}`]);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ConfigError([`--config ${file}: expected a JSON object`]);
  return parsed as Record<string, unknown>;
}

function deepFreeze<T>(o: T): T {
  if (typeof o === 'object' && o !== null) {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

export function loadConfig(options: LoadConfigOptions = {}): Readonly<AgentConfig> {
  const env = options.env ?? process.env;
  const merged: Record<string, unknown> = { ...defaultConfig };
  const sources = new Map<string, string>();
  if (options.file) {
    for (const [k, v] of Object.entries(readFile(options.file))) {
      merged[k] = v;
      sources.set(k, options.file);
    }
  }
  for (const [key, spec] of Object.entries(CONFIG_KEYS)) {
    const name = envName(key);
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    merged[key] = fromEnvString(spec, raw);
    sources.set(key, name);
  }
  for (const [k, v] of Object.entries(options.overrides ?? {})) {
    if (v === undefined) continue;
    merged[k] = v;
    sources.set(k, 'override');
  }
  // Paths that default to places in the state directory.
  if (typeof merged.stateDir === 'string') {
    const stateDir = resolve(merged.stateDir);
    merged.stateDir = stateDir;
    merged.trustStore ??= join(stateDir, 'trust.json');
    merged.socketPath ??= join(stateDir, 'agent.sock');
  }
  const hw = merged.hardwareIdSource as Record<string, unknown> | undefined;
  if (hw && typeof hw === 'object' && typeof hw.command === 'string') merged.hardwareIdSource = { args: [], timeoutMs: 5000, ...hw };
  const ra = merged.recallAction as Record<string, unknown> | undefined;
  if (ra && typeof ra === 'object' && ra.file === undefined) merged.recallAction = { args: [], timeoutMs: 30_000, ...ra };
  const problems = validateConfig(merged as ConfigInput, sources);
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(merged as unknown as AgentConfig);
}

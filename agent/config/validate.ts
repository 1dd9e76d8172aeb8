/** Checks every key against the table and returns every problem at once. */
import { isAbsolute } from 'node:path';
import type { ConfigInput } from './types.js';
import { CONFIG_KEYS, type KeyType } from './schema.js';

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v === 'string' ? JSON.stringify(v.length > 40 ? v.slice(0, 40) + '...' : v) : typeof v;
}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}

function checkTimeout(v: unknown): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= 100;
}

/** Returns a problem description, or undefined when the value fits. */
function check(type: KeyType, v: unknown): string | undefined {
  switch (type.t) {
    case 'string':
      if (typeof v !== 'string') return `expected a string, got ${describe(v)}`;
      if (v.length < (type.min ?? 0)) return `expected at least ${type.min} characters, got ${v.length}`;
      return undefined;
    case 'int':
      if (typeof v !== 'number' || !Number.isSafeInteger(v)) return `expected a whole number, got ${describe(v)}`;
      if (v < type.min || (type.max !== undefined && v > type.max)) return `expected ${type.min}..${type.max ?? 'any'}, got ${v}`;
      return undefined;
    case 'bool':
      return typeof v === 'boolean' ? undefined : `expected true or false, got ${describe(v)}`;
    case 'enum':
      return typeof v === 'string' && type.values.includes(v) ? undefined : `expected one of ${type.values.join('|')}, got ${describe(v)}`;
    case 'hardwareIdSource': {
      const o = v as Record<string, unknown>;
      if (typeof v !== 'object' || v === null) return `expected {"file": path} or {"command": program, "args": [...]}, got ${describe(v)}`;
      const keys = Object.keys(o).sort().join(',');
      if (keys === 'file' && typeof o.file === 'string' && o.file.length > 0) return undefined;
      if (typeof o.command === 'string' && o.command.length > 0 && o.file === undefined && isStringArray(o.args ?? []) && (o.timeoutMs === undefined || checkTimeout(o.timeoutMs))) {
        return undefined;
      }
      return `expected {"file": path} or {"command": program, "args": [strings], "timeoutMs"?: >=100}, got keys ${keys || 'none'}`;
    }
    case 'recallAction': {
      const o = v as Record<string, unknown>;
      const expected = 'expected {"file": path} or {"command": program, "args": [strings], "timeoutMs"?: >=100}';
      if (typeof v !== 'object' || v === null) return `${expected}, got ${describe(v)}`;
      if (o.file !== undefined) {
        const keys = Object.keys(o).sort().join(',');
        if (keys !== 'file') return `${expected}: "file" stands alone, got keys ${keys}`;
        return typeof o.file === 'string' && isAbsolute(o.file) ? undefined : `file: expected an absolute path, got ${describe(o.file)}`;
      }
      const bad: string[] = [];
      if (typeof o.command !== 'string' || o.command.length === 0) bad.push('command: expected a program path');
      if (o.args !== undefined && !isStringArray(o.args)) bad.push('args: expected an array of strings');
      if (o.timeoutMs !== undefined && !checkTimeout(o.timeoutMs)) bad.push('timeoutMs: expected a whole number >= 100');
      const extra = Object.keys(o).filter((k) => !['command', 'args', 'timeoutMs'].includes(k));
      if (extra.length) bad.push(`unknown keys ${extra.join(', ')}`);
      return bad.length ? `${expected}: ${bad.join(', ')}` : undefined;
    }
  }
}

export function validateConfig(input: ConfigInput, sources: ReadonlyMap<string, string>): string[] {
  const problems: string[] = [];
  for (const key of Object.keys(input)) {
    if (!Object.hasOwn(CONFIG_KEYS, key)) problems.push(`${key} (${sources.get(key) ?? 'file'}): unknown key`);
  }
  for (const [key, spec] of Object.entries(CONFIG_KEYS)) {
    const v = (input as Record<string, unknown>)[key];
    if (v === undefined) {
      if (!spec.optional) problems.push(`${key}: required`);
      continue;
    }
    const p = check(spec.type, v);
    if (p) problems.push(`${key} (${sources.get(key) ?? 'default'}): ${p}`);
  }
  const c = input as Record<string, unknown>;
  if (c.apiTcpPort !== undefined && c.apiToken === undefined) problems.push('apiToken: required when apiTcpPort is set (the TCP API needs a bearer token)');
  if (typeof c.reconnectMinMs === 'number' && typeof c.reconnectMaxMs === 'number' && c.reconnectMinMs > c.reconnectMaxMs) {
    problems.push(`reconnectMinMs: expected at most reconnectMaxMs (${c.reconnectMaxMs}), got ${c.reconnectMinMs}`);
  }
  if (typeof c.logReserveBytes === 'number' && typeof c.maxLogBytes === 'number' && c.logReserveBytes * 4 > c.maxLogBytes) {
    problems.push(`logReserveBytes: expected at most a quarter of maxLogBytes (${c.maxLogBytes}), got ${c.logReserveBytes}`);
  }
  if ((c.brokerCertFile === undefined) !== (c.brokerKeyFile === undefined)) problems.push('brokerCertFile, brokerKeyFile: expected both or neither (mutual TLS)');
  return problems;
}

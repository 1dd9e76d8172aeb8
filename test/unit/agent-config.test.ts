// Configuration: defaults, then file, then ROBOT_ID_* environment; every problem at once; frozen.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CONFIG_KEYS, envName, loadConfig } from '../../agent/config/index.js';
import { ConfigError } from '../../agent/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'rid-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(obj: unknown): string {
  const f = join(dir, `c${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(f, typeof obj === 'string' ? obj : JSON.stringify(obj));
  return f;
}

function problems(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).code).toBe('CONFIG_INVALID');
    return (err as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('agent config', () => {
  it('defaults fill in paths under the state directory', () => {
    const c = loadConfig({ env: { ROBOT_ID_STATE_DIR: '/srv/unit' } });
    expect(c).toMatchObject({ stateDir: '/srv/unit', trustStore: '/srv/unit/trust.json', socketPath: '/srv/unit/agent.sock', heartbeatIntervalMs: 60_000, hardwareIdSource: { file: '/etc/machine-id' } });
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.hardwareIdSource)).toBe(true);
  });

  it('the environment overrides the file, which overrides the defaults', () => {
    const f = file({ stateDir: '/a', heartbeatIntervalMs: 5000, brokerUrl: 'mqtt://file:1884' });
    const c = loadConfig({ file: f, env: { ROBOT_ID_BROKER_URL: 'mqtts://env:8883', ROBOT_ID_TRUST_STORE: '/etc/rid/trust.json', ROBOT_ID_HEARTBEAT_INTERVAL_MS: '250' } });
    expect(c).toMatchObject({ stateDir: '/a', brokerUrl: 'mqtts://env:8883', trustStore: '/etc/rid/trust.json', heartbeatIntervalMs: 250 });
  });

  it('every key has an environment variable', () => {
    expect(envName('heartbeatIntervalMs')).toBe('ROBOT_ID_HEARTBEAT_INTERVAL_MS');
    expect(envName('apiTcpPort')).toBe('ROBOT_ID_API_TCP_PORT');
    const c = loadConfig({
      env: {
        ROBOT_ID_HARDWARE_ID_SOURCE: '{"command":"/usr/bin/serial","args":["-q"]}',
        ROBOT_ID_RECALL_ACTION: '{"command":"/usr/lib/robot/recall-hook"}',
        ROBOT_ID_API_TCP_PORT: '8443',
        ROBOT_ID_API_TOKEN: 't'.repeat(32),
      },
    });
    expect(c.hardwareIdSource).toEqual({ command: '/usr/bin/serial', args: ['-q'], timeoutMs: 5000 });
    expect(c.recallAction).toEqual({ command: '/usr/lib/robot/recall-hook', args: [], timeoutMs: 30_000 });
    expect(c.apiTcpPort).toBe(8443);
    for (const key of Object.keys(CONFIG_KEYS)) expect(envName(key)).toMatch(/^ROBOT_ID_[A-Z0-9_]+$/);
  });

  it('recallAction is a program or a state file, never both, and the file path is absolute', () => {
    expect(loadConfig({ env: { ROBOT_ID_RECALL_ACTION: '{"file":"/run/robot-id/recall-state.json"}' } }).recallAction).toEqual({ file: '/run/robot-id/recall-state.json' });
    const bad = (v: string) => problems(() => loadConfig({ env: { ROBOT_ID_RECALL_ACTION: v } })).join('\n');
    expect(bad('{"file":"recall-state.json"}')).toMatch(/recallAction.*file: expected an absolute path/);
    expect(bad('{"file":"/run/x.json","command":"/bin/true"}')).toMatch(/"file" stands alone, got keys command,file/);
    expect(bad('{"args":[]}')).toMatch(/expected \{"file": path\} or \{"command".*command: expected a program path/);
    expect(bad('"/run/x.json"')).toMatch(/expected \{"file": path\}/);
  });

  it('metricsEnabled is off by default, true or false from a file or ROBOT_ID_METRICS_ENABLED', () => {
    expect(loadConfig({ env: {} }).metricsEnabled).toBe(false);
    expect(loadConfig({ env: { ROBOT_ID_METRICS_ENABLED: 'true' } }).metricsEnabled).toBe(true);
    expect(loadConfig({ file: file({ metricsEnabled: true }), env: { ROBOT_ID_METRICS_ENABLED: 'false' } }).metricsEnabled).toBe(false);
    expect(problems(() => loadConfig({ env: { ROBOT_ID_METRICS_ENABLED: 'yes' } })).join('\n')).toMatch(/metricsEnabled \(ROBOT_ID_METRICS_ENABLED\): expected true or false, got "yes"/);
    expect(problems(() => loadConfig({ file: file({ metricsEnabled: 1 }), env: {} })).join('\n')).toMatch(/metricsEnabled .*expected true or false, got number/);
  });

  it('reports every bad key at once, naming where each value came from', () => {
    const f = file({ heartbeatIntervalMs: -1, logLevel: 'loud', colour: 'blue', hardwareIdSource: { path: '/x' } });
    const p = problems(() => loadConfig({ file: f, env: { ROBOT_ID_MAX_LOG_BYTES: 'lots', ROBOT_ID_API_TCP_PORT: '8443' } }));
    const text = p.join('\n');
    for (const key of ['heartbeatIntervalMs', 'logLevel', 'colour', 'hardwareIdSource', 'maxLogBytes', 'apiToken']) expect(text).toContain(key);
    expect(text).toContain('ROBOT_ID_MAX_LOG_BYTES');
    expect(p.length).toBeGreaterThanOrEqual(6);
  });

  it('a missing or non-JSON file is a ConfigError too', () => {
    expect(problems(() => loadConfig({ file: join(dir, 'none.json'), env: {} }))[0]).toMatch(/no such file/);
    expect(problems(() => loadConfig({ file: file('{ nope'), env: {} }))[0]).toMatch(/expected JSON/);
    expect(problems(() => loadConfig({ file: file('[1]'), env: {} }))[0]).toMatch(/JSON object/);
  });
});

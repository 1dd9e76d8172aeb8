/**
 * `npm start` runs `robot-id demo`: the whole story must finish on its own, exit 0, tell every
 * step, and leave no temporary directory behind.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { robotId } from '../helpers/technician.js';

describe('robot-id demo (npm start)', () => {
  it.each([[[]], [['--alg', 'sm2']]])('runs to completion, tells the story and cleans up (demo %j)', async (extra: string[]) => {
    const r = await robotId(['demo', ...extra], { timeoutMs: 90_000, env: { ...process.env, ROBOT_ID_BROKER_URL: '' } });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = r.stdout;
    const tmp = /working in (\S+)\)/.exec(out)?.[1];
    expect(tmp).toBeTruthy();
    expect(existsSync(tmp!)).toBe(false);
    for (const line of [
      'in-process MQTT 3.1.1 broker (aedes)',
      'The identity agent starts on the robot',
      'REGISTRATION_REQUIRED',
      'recorded part-replaced as event #3',
      'chain: verified',
      'verified and stored; signed receipt sent',
      'attested: 86-1234-000042-',
      'valid label: 86-1234-000042-',
      'action applied: stop enforced',
      'state file, which the motion controller watches, now says strongestAction "stop"',
      ': applied',
      'robot: rejected (RECALL_BAD_SIGNATURE)',
      'RESALE_FORBIDDEN',
      'device key destroyed; the agent stops with 13',
      'scrapped: it may not be sold or operated',
      'recycled by Demo Recycling Co.',
      ': scrapped, recycled; registered in region 310115',
      'Temporary directory removed, broker closed.',
    ]) {
      expect(out).toContain(line);
    }
    expect(out).not.toContain('FAILED');
    expect(out).not.toContain('not available in this build');
    expect(out).toMatch(/The end: 12 steps in [\d.]+ s\./);
    // demo --alg sm2: every key of the story is SM2, the device key included.
    if (extra.includes('sm2')) for (const line of ['; every key sm2', 'root of country 86: sm2 key', 'sm2 device key']) expect(out).toContain(line);
  }, 120_000);
});

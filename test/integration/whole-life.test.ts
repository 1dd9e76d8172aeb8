/**
 * A humanoid's whole traced life, end to end, with the real CLI, a real agent, the real ingest
 * process (`fleet watch`) and mosquitto: provisioned; commissioning refused unregistered;
 * registered by the platform; commissioned; maintained; a resale refused under the scheme's
 * `forbidden` rule; a recall acknowledged; scrapped (the final event confirmed, then the key
 * destroyed, the agent refusing to start, the code in the platform's revocations, a label
 * verify saying scrapped); recycled; and `fleet history` listing every step, each verified.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { startAgent, type Agent } from '../../agent/index.js';
import { encodeQrPayload, formatCode, parseCode } from '../../sdk/index.js';
import { cli, ingestListening, startProc, ok } from '../helpers/agent-process.js';
import { until } from '../helpers/ingest-recorder.js';
import { quietLogger, TEST_ENTERPRISE, TEST_MODEL, writeRegistry } from '../helpers/pki.js';
import { useWorld } from '../helpers/world.js';

let agent: Agent | undefined;
const world = useWorld('rid-whole-life-', { pki: true });
world.cleanup(() => agent?.close());

type Line = { code?: string; kind: string; verified: boolean; reason?: string; seq?: number; eventKind?: string };
const p = (f: string): string => world.p(f);

it('manufacture to recycling: every step enforced on the unit and verified on the platform', async () => {
  const { broker, pki } = world;
  const trust = join(pki.root.dir, 'trust.json');
  const unit = await pki.provision();
  const registry = p('registry.jsonl');
  writeRegistry(registry, [unit]);
  ok(cli(['platform', 'certify', '--root', pki.root.dir, '--role', 'recycling', '--name', 'Green Recycling Co.', '--out', p('recycler')]));
  // The platform's index state exists from its first revocation on.
  const indexState = p('index-state');
  ok(cli(['revoke', '--code', '86-0000-000000-00000000000000000', '--key', pki.platform.dir, '--state', indexState, '--broker', broker.url]));
  const stateFile = join(indexState, 'state.json');
  const ingestDir = p('ingest');
  const watch = startProc([
    'fleet', 'watch', '--broker', broker.url, '--trust', trust, '--registry', registry, '--state', ingestDir,
    '--receipt-key', pki.platform.dir, '--revocations', stateFile, '--recall-state', indexState, '--client-id', 'whole-life-ingest', '--json',
  ]);
  const lines = (): Line[] => watch.lines().flatMap((l) => (l.startsWith('{') ? [JSON.parse(l) as Line] : []));
  await ingestListening(broker.url, () => watch.lines());

  agent = await startAgent(unit.config({ brokerUrl: broker.url, heartbeatIntervalMs: 300, reconnectMinMs: 50, reconnectMaxMs: 400, resendIntervalMs: 300 }), { logger: quietLogger() });
  const a = agent;
  const refusal = async (req: Parameters<Agent['submitEvent']>[0]): Promise<string> => {
    try {
      await a.submitEvent(req);
    } catch (err) {
      return (err as { code: string }).code;
    }
    return 'accepted';
  };

  // No code, no market access: not into service unregistered.
  expect(await refusal({ kind: 'commissioned' })).toBe('REGISTRATION_REQUIRED');
  ok(cli(['order', 'sign', '--transition', 'registered', '--code', unit.code, '--operator', 'operator-4711', '--region', '310115', '--key', pki.platform.dir, '--out', p('reg.cose')]));
  await a.submitEvent({ kind: 'registered', order: new Uint8Array(readFileSync(p('reg.cose'))) });
  await a.submitEvent({ kind: 'commissioned' });
  await a.submitEvent({ kind: 'maintenance-started', technician: 'T-17' });
  await a.submitEvent({ kind: 'part-replaced', technician: 'T-17', note: 'left knee actuator' });
  await a.submitEvent({ kind: 'maintenance-finished', technician: 'T-17' });

  // Used units may not be resold: the attempt is refused and recorded.
  ok(cli(['order', 'sign', '--transition', 'registered', '--code', unit.code, '--operator', 'second-hand-dealer', '--region', '440305', '--key', pki.platform.dir, '--out', p('resale.cose')]));
  expect(await refusal({ kind: 'registered', order: new Uint8Array(readFileSync(p('resale.cose'))) })).toBe('RESALE_FORBIDDEN');

  // A recall reaches the unit, which acknowledges it.
  writeFileSync(
    p('notice.json'),
    JSON.stringify({
      recallId: 'R-LIFE-1', revision: 1, campaignId: 'C-LIFE', notAfter: Math.floor(Date.now() / 1000) + 30 * 86400, action: 'notify',
      reason: 'Hip actuator may overheat', remedy: 'Update actuator firmware', target: { enterprise: TEST_ENTERPRISE, model: TEST_MODEL },
    }),
  );
  ok(cli(['recall', 'sign', '--notice', p('notice.json'), '--key', pki.enterprise.dir, '--out', p('recall.cose')]));
  ok(cli(['recall', 'publish', p('recall.cose'), '--broker', broker.url, '--key', pki.platform.dir, '--state', indexState]));
  await until(() => lines().some((l) => l.code === unit.code && l.kind === 'ack' && l.verified), 'the recall ack stored by the platform', 30_000);
  // The regulator's report of the campaign: one CSV row for the unit, acknowledged.
  const report = ok(cli(['recall', 'report', 'C-LIFE', '--csv', '--state', indexState, '--trust', trust, '--registry', registry, '--ingest', ingestDir])).trim().split('\n');
  expect(report[0]).toBe('code,recall_id,revision,targeted,acknowledged,applied,state,reason,ack_seq,ack_time');
  expect(report.slice(1)).toHaveLength(1);
  expect(report[1]).toMatch(new RegExp(`^${unit.code},R-LIFE-1,1,yes,yes,(yes|no),(applied|verified),,1,\\d{4}-`));

  // The operator's list: the unit online (the ingest's presence snapshot) and recalled (its ack).
  const units = (...args: string[]) => cli(['fleet', 'units', '--ingest', ingestDir, '--registry', registry, '--trust', trust, ...args]);
  await until(() => {
    const r = units('--state', 'recalled', '--json');
    return r.status === 0 && (JSON.parse(r.stdout) as { code: string; presence: string; recalls: string[] }[]).some((u) => u.code === unit.code && u.presence === 'online' && u.recalls.includes('R-LIFE-1'));
  }, 'fleet units: the unit online and recalled', 20_000);
  expect(JSON.parse(ok(units('--state', 'revoked', '--json')))).toEqual([]);
  expect(ok(units('--csv')).split('\n')[0]).toBe('code,presence,revoked,recalls,last_seen');

  // A technician's check of the label, with what the platform traced: in service, and where.
  await until(() => a.outbox.depth() === 0, 'everything the unit logged confirmed', 30_000);
  const label = encodeQrPayload(unit.identity.bytes);
  const live = JSON.parse(ok(cli(['verify', label, '--trust', trust, '--platform-state', ingestDir, '--json'])));
  expect(live).toMatchObject({ valid: true, lifecycle: 'in-service', region: '310115' });

  // Scrapped: the final event confirmed by the platform, then the key is gone.
  ok(cli(['order', 'sign', '--transition', 'scrapped', '--code', unit.code, '--key', pki.enterprise.dir, '--reason', 'end of life', '--out', p('scrap.cose')]));
  const stop = a.stopRequested;
  await a.submitEvent({ kind: 'scrapped', order: new Uint8Array(readFileSync(p('scrap.cose'))) });
  expect(await stop).toMatchObject({ exitStatus: 13 });
  await a.close();
  agent = undefined;
  expect(existsSync(join(unit.stateDir, 'device.key'))).toBe(false);
  const restart = cli(['agent', '--config', writeAgentConfig(unit.config({ brokerUrl: broker.url }))]);
  expect(restart.status).toBe(13);
  expect(restart.stderr).toMatch(/scrapped/);

  // The platform revoked the code as scrapped; a label verify says so.
  await until(() => {
    const s = JSON.parse(readFileSync(stateFile, 'utf8')) as { revocations: { scrapped?: string[] } };
    return s.revocations.scrapped?.includes(unit.code) ?? false;
  }, 'the code in the platform revocations as scrapped', 30_000);
  const v = cli(['verify', label, '--trust', trust, '--revocations', stateFile, '--json']);
  expect(v.status).toBe(1);
  expect(JSON.parse(v.stdout)).toMatchObject({ valid: false, error: { code: 'TRUST_REVOKED' } });
  expect(JSON.parse(v.stdout).error.message).toMatch(/scrapped: it may not be sold or operated/);
  expect(JSON.parse(ok(units('--revocations', stateFile, '--state', 'revoked', '--json')))).toMatchObject([{ code: unit.code, revoked: true }]);

  // Recycled: refused for a unit not scrapped, recorded for this one.
  const other = await pki.provision();
  ok(cli(['recycle', 'confirm', '--code', other.code, '--key', p('recycler'), '--out', p('early.cose')]));
  const early = cli(['fleet', 'recycled', p('early.cose'), '--state', ingestDir, '--trust', trust, '--registry', registry, '--json']);
  expect(early.status).toBe(1);
  expect(JSON.parse(early.stdout)).toMatchObject({ error: { code: 'RECYCLING_NOT_SCRAPPED' } });
  ok(cli(['recycle', 'confirm', '--code', formatCode(parseCode(unit.code)), '--key', p('recycler'), '--facility', 'Shanghai plant 2', '--out', p('recycled.cose')]));
  ok(cli(['fleet', 'recycled', p('recycled.cose'), '--state', ingestDir, '--trust', trust, '--registry', registry]));

  // The traced history: every step, in order, each verified.
  const h = JSON.parse(ok(cli(['fleet', 'history', unit.code, '--state', ingestDir, '--trust', trust, '--registry', registry, '--json']))) as {
    state: string; recycled: boolean; problems: number; registration: { region: string };
    entries: { what: string; verified: boolean; technician?: string; order?: { transition: string; verified: boolean; region?: string }; recall?: { recallId: string } }[];
  };
  expect(h).toMatchObject({ state: 'scrapped', recycled: true, problems: 0, registration: { region: '310115' } });
  const steps = h.entries.map((e) => e.what);
  for (const [before, after] of [
    ['manufactured', 'registered'], ['registered', 'commissioned'], ['commissioned', 'maintenance-started'], ['maintenance-started', 'part-replaced'],
    ['part-replaced', 'maintenance-finished'], ['maintenance-finished', 'registration-refused'], ['registration-refused', 'recall-ack'], ['recall-ack', 'scrapped'], ['scrapped', 'recycled'],
  ]) {
    expect(steps.indexOf(before!), `${before} before ${after} in ${steps.join(', ')}`).toBeLessThan(steps.indexOf(after!));
    expect(steps.indexOf(before!)).toBeGreaterThanOrEqual(0);
  }
  expect(h.entries.every((e) => e.verified)).toBe(true);
  expect(h.entries.find((e) => e.what === 'registered')!.order).toMatchObject({ transition: 'registered', verified: true, region: '310115' });
  expect(h.entries.find((e) => e.what === 'registration-refused')!.order).toMatchObject({ transition: 'registered', region: '440305' });
  expect(h.entries.find((e) => e.what === 'part-replaced')!.technician).toBe('T-17');
  expect(h.entries.find((e) => e.what === 'recall-ack')!.recall).toMatchObject({ recallId: 'R-LIFE-1' });
  expect(h.entries.find((e) => e.what === 'scrapped')!.order).toMatchObject({ transition: 'scrapped', verified: true });
  // No personal data on the wire or in the history: the operator is a pseudonym.
  expect(JSON.stringify(h)).not.toContain('operator-4711');

  // The archivable report.
  ok(cli(['fleet', 'history', unit.code, '--state', ingestDir, '--trust', trust, '--registry', registry, '--html', p('history.html')]));
  const html = readFileSync(p('history.html'), 'utf8');
  expect(html).toContain('Every entry verified.');
  expect(html).toContain('Green Recycling Co.');
  expect(html).not.toMatch(/<script/i);
}, 180_000);

function writeAgentConfig(config: object): string {
  const file = p(`agent-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(config));
  return file;
}

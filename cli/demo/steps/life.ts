/**
 * Steps: the rest of the traced life. Registration before operation (the platform's order,
 * commissioning refused without it), no resale of a used unit, and the end: scrapped (the
 * final event confirmed, the device key destroyed, the code revoked as scrapped), recycled,
 * and the platform's history of the whole life, each entry verified.
 */
import { FilesPublisherStore } from '../../../platform/store/files/publisher-files.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROLES, certify, encodeQrPayload, revokeScrapped } from '../../../sdk/index.js';
import type { DemoContext } from '../context.js';
import { StepMissing, type Step } from '../story.js';
import { demoAgent } from './agent.js';
import { robotId, shown } from './cli.js';
import { demoIngest } from './ingest.js';

type Shell = { shell(c: string, o: readonly string[]): void };

async function run(ctx: DemoContext, n: Shell, argv: string[], expect = 0): Promise<string[]> {
  const r = await robotId(argv);
  n.shell(shown(argv, ctx.dir), [...r.out, ...r.err]);
  if (r.status !== expect) throw new Error(`robot-id ${argv.slice(0, 2).join(' ')} exited ${r.status}, expected ${expect}`);
  return r.out;
}

/** The platform's registration authority (role registration.issue), made on first use. */
async function registrar(ctx: DemoContext): Promise<string> {
  const dir = join(ctx.dir, 'platform-registration');
  if (!existsSync(dir)) {
    if (!ctx.root) throw new StepMissing('no root');
    await certify({ root: ctx.root, dir, subjectKind: 'platform', subject: 'registration', name: 'Demo platform registration', roles: [ROLES.registrationIssue] });
  }
  return dir;
}

export const registrationStep: Step<DemoContext> = {
  title: 'Sold: the platform registers the unit to its operator, and only then may it enter service',
  async run(ctx, n) {
    if (!ctx.unit) throw new StepMissing('no unit');
    const agent = ['--socket', ctx.unit.socketPath];
    await run(ctx, n, ['event', 'add', '--kind', 'commissioned', ...agent], 1);
    const order = join(ctx.dir, 'registration.cose');
    await run(ctx, n, ['order', 'sign', '--transition', 'registered', '--code', ctx.unit.code, '--operator', 'operator-0007', '--region', '310115', '--key', await registrar(ctx), '--out', order]);
    n.say('the order names the operator only by a pseudonym the platform can resolve; the region is Shanghai Pudong (310115)');
    await run(ctx, n, ['event', 'add', '--kind', 'registered', '--order', order, ...agent]);
    await run(ctx, n, ['event', 'add', '--kind', 'commissioned', ...agent]);
  },
};

export const resaleStep: Step<DemoContext> = {
  title: 'A dealer tries to register the used unit to a new buyer',
  async run(ctx, n) {
    if (!ctx.unit) throw new StepMissing('no unit');
    const order = join(ctx.dir, 'resale.cose');
    await run(ctx, n, ['order', 'sign', '--transition', 'registered', '--code', ctx.unit.code, '--operator', 'second-hand-buyer', '--region', '440305', '--key', await registrar(ctx), '--out', order]);
    await run(ctx, n, ['event', 'add', '--kind', 'registered', '--order', order, '--socket', ctx.unit.socketPath], 1);
    n.say('refused under the scheme\'s rule for used units; the attempt is a signed entry in the log the platform receives');
  },
};

export const endOfLifeStep: Step<DemoContext> = {
  title: 'End of life: scrapped, its key destroyed, recycled, and the whole life traced',
  async run(ctx, n) {
    if (!ctx.unit || !ctx.enterprise || !ctx.root) throw new StepMissing('no unit');
    const agent = demoAgent(ctx);
    const ingest = demoIngest(ctx);
    const platformState = join(ctx.dir, 'platform-state');
    // The platform revokes the code once the scrapped event is durably stored (fleet watch --recall-state does this).
    const revoked = new Promise<void>((resolve, reject) => {
      ingest.conn.ingest.once('scrapped', (s) => void revokeScrapped(new FilesPublisherStore(platformState), '86', [s.code]).then(() => resolve(), reject));
    });
    const order = join(ctx.dir, 'scrap.cose');
    await run(ctx, n, ['order', 'sign', '--transition', 'scrapped', '--code', ctx.unit.code, '--reason', 'end of life', '--key', ctx.enterprise.dir, '--out', order]);
    const stop = agent.stopRequested;
    await run(ctx, n, ['event', 'add', '--kind', 'scrapped', '--order', order, '--socket', ctx.unit.socketPath]);
    const stopped = await Promise.race([
      stop,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('waited 20000 ms for the final event to be confirmed')), 20_000).unref()),
    ]);
    n.say(`robot: the platform confirmed the final scrapped event; device key ${existsSync(join(ctx.unit.stateDir, 'device.key')) ? 'STILL PRESENT' : 'destroyed'}; the agent stops with ${stopped.exitStatus} and never starts again`);
    await agent.close();
    await revoked;
    const trust = join(ctx.dir, 'root', 'trust.json');
    const label = encodeQrPayload(ctx.unit.identity.bytes);
    const r = await robotId(['verify', label, '--trust', trust, '--revocations', join(platformState, 'state.json')]);
    n.shell(`robot-id verify ${label.slice(0, 24)}... --trust $DEMO/root/trust.json --revocations $DEMO/platform-state/state.json`, [...r.out, ...r.err]);
    if (r.status !== 1) throw new Error('a scrapped unit\'s label still verifies');
    const recycler = join(ctx.dir, 'recycler');
    await certify({ root: ctx.root, dir: recycler, subjectKind: 'platform', subject: 'recycler-01', name: 'Demo Recycling Co.', roles: [ROLES.recyclingConfirm] });
    const record = join(ctx.dir, 'recycled.cose');
    await run(ctx, n, ['recycle', 'confirm', '--code', ctx.unit.code, '--key', recycler, '--facility', 'Shanghai dismantling plant 2', '--out', record]);
    const ingestArgs = ['--state', join(ctx.dir, 'ingest'), '--trust', trust, '--registry', join(ctx.dir, 'registry.jsonl')];
    await run(ctx, n, ['fleet', 'recycled', record, ...ingestArgs]);
    await run(ctx, n, ['fleet', 'history', ctx.unit.code, ...ingestArgs]);
  },
};

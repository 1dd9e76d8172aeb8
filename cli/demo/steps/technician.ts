/**
 * Steps: a technician at the robot. Maintenance recorded in the signed log (and seen arriving
 * at the platform), then proof of identity: the technician's own computer makes a nonce and
 * verifies the answer against the trust store, and a QR label verifies offline.
 */
import { join } from 'node:path';
import type { DemoContext } from '../context.js';
import { StepMissing, type Step } from '../story.js';
import { waitFor } from '../wait.js';
import { robotId, shown } from './cli.js';
import { demoIngest } from './ingest.js';

async function run(ctx: DemoContext, n: { shell(c: string, o: readonly string[]): void }, argv: string[], expect = 0): Promise<string[]> {
  const r = await robotId(argv);
  n.shell(shown(argv, ctx.dir), [...r.out, ...r.err]);
  if (r.status !== expect) throw new Error(`robot-id ${argv[0]} exited ${r.status}, expected ${expect}`);
  return r.out;
}

export const maintenanceStep: Step<DemoContext> = {
  title: 'A technician replaces a part and records it',
  async run(ctx, n) {
    if (!ctx.unit) throw new StepMissing('no unit');
    const agent = ['--agent', ctx.unit.socketPath];
    await run(ctx, n, ['maintenance', 'add', '--technician', 'tech-0042', '--kind', 'part-replaced', '--note', 'left knee actuator replaced', ...agent]);
    await run(ctx, n, ['events', ...agent]);
    const ingest = ctx.handles.ingest ? demoIngest(ctx) : undefined;
    if (!ingest) {
      n.say('(no fleet ingest in this build: the event waits in the outbox)');
      return;
    }
    const seen = await waitFor('the event at the ingest', () => ingest.messages.find((m) => m.kind === 'event' && m.eventKind === 'part-replaced'));
    await waitFor('the receipt', () => ingest.receipts.find((r) => r.event >= seen.seq));
    n.say(`platform: event #${seen.seq} (${seen.eventKind}) of ${seen.code} verified and stored; signed receipt sent, the unit's outbox drops it`);
  },
};

export const attestStep: Step<DemoContext> = {
  title: "The technician checks, from their own laptop, that this robot really is the unit it claims to be",
  async run(ctx, n) {
    if (!ctx.unit || !ctx.root) throw new StepMissing('no unit');
    const trust = join(ctx.dir, 'root', 'trust.json');
    await run(ctx, n, ['attest', '--agent', ctx.unit.socketPath, '--trust', trust, '--code', ctx.unit.code]);
    n.say('the verdict rests on the trust store and a nonce made on the laptop, never on the robot\'s word');
    const png = join(ctx.dir, 'label.png');
    const argv = ['qr', '--label', ctx.unit.stateDir, '--png', png, '--size', '25', '--json'];
    const q = await robotId(argv);
    if (q.status !== 0) throw new Error(`robot-id qr exited ${q.status}: ${q.err.join(' ')}`);
    const { payload, chars, qrVersion } = JSON.parse(q.out[0]!) as { payload: string; chars: number; qrVersion: number };
    n.shell(shown(argv, ctx.dir), [`${payload.slice(0, 24)}... (${chars} characters: a version ${qrVersion} QR code at level M, a 25 mm label with the code printed under it, written to $DEMO/label.png)`]);
    const r = await robotId(['verify', payload, '--trust', trust, '--certs', join(ctx.dir, 'enterprise')]);
    n.shell(`robot-id verify ${payload.slice(0, 24)}... --trust $DEMO/root/trust.json --certs $DEMO/enterprise`, [...r.out, ...r.err]);
    if (r.status !== 0) throw new Error('the label did not verify');
  },
};

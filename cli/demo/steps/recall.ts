/**
 * Steps: a recall, end to end. The platform's recall signer signs a stop-operation notice for
 * the robot's model, the enterprise co-signs it (stop needs two distinct signers), the
 * platform publishes it retained with a signed index; the robot verifies, applies (writes its
 * recall state file) and acknowledges; the acknowledgement reaches the platform. Then a forged
 * notice (a real certificate, someone else's key) is pushed straight onto the broker: the
 * robot rejects it and acknowledges nothing.
 */
import { FilesPublisherStore } from '../../../platform/store/files/publisher-files.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, type MqttClient } from 'mqtt';
import {
  RecallPublisher,
  cosignRecall,
  generateAlgKeyPair,
  algSigner,
  recallTopic,
  signRecall,
  verifyRecallNotice,
  type RecallInput,
  type RetainedTransport,
} from '../../../sdk/index.js';
import type { DemoContext } from '../context.js';
import { StepMissing, type Step } from '../story.js';
import { waitFor } from '../wait.js';
import { demoAgent, recallStateFile } from './agent.js';
import { ENTERPRISE } from './authorities.js';
import { demoIngest } from './ingest.js';
import { MODEL } from './provision.js';

interface RecallsSection {
  activeRecalls: { recallId: string; action: string; outcome?: string }[];
  counters: { accepted: number; unacknowledged: Record<string, number> };
}

function recalls(ctx: DemoContext): RecallsSection {
  const section = demoAgent(ctx).status().recalls as RecallsSection | undefined;
  if (!section) throw new StepMissing('the agent has no recall module (status shows no recalls section)');
  return section;
}

async function platformClient(ctx: DemoContext): Promise<MqttClient> {
  const c = connect(ctx.broker!.url, { clientId: 'demo-platform', protocolVersion: 4, reconnectPeriod: 0 });
  await new Promise<void>((resolve, reject) => {
    c.once('connect', () => resolve());
    c.once('error', reject);
  });
  ctx.cleanups.push(() => c.endAsync());
  return c;
}

function notice(now: number, recallId: string, issuer: string): RecallInput {
  return {
    recallId,
    revision: 1,
    campaignId: 'CAMPAIGN-2025-07',
    issuer,
    issuedAt: now,
    notBefore: now,
    notAfter: now + 30 * 86400,
    action: 'stop',
    reason: 'Knee actuator firmware may overheat under sustained load',
    remedy: 'Stop operation until the service centre updates the actuator firmware',
    target: { enterprise: ENTERPRISE, model: MODEL },
    status: 'active',
  };
}

export const recallStep: Step<DemoContext> = {
  title: 'A recall: signed, co-signed, pushed, verified, applied and acknowledged',
  async run(ctx, n) {
    if (!ctx.root || !ctx.enterprise || !ctx.platform || !ctx.broker || !ctx.unit) throw new StepMissing('no authorities, broker or unit');
    recalls(ctx); // missing module -> say so before signing anything
    const now = Math.floor(Date.now() / 1000);
    const p = ctx.platform;
    const signed = await signRecall(notice(now, 'RC-2025-0007', p.recall.meta.subject), p.recall.signer, p.recall.certificate!);
    n.say(`the platform's recall officer signs a stop-operation notice for model ${ENTERPRISE}-${MODEL} (${signed.length} bytes)`);
    const cosigned = await cosignRecall(signed, ctx.enterprise.signer, ctx.enterprise.certificate!);
    const v = verifyRecallNotice(cosigned, { trust: ctx.root.trust, now });
    n.say(`the enterprise co-signs it: ${v.subjects.join(' + ')}, the two distinct signers stop-operation requires`);
    const client = await platformClient(ctx);
    const transport: RetainedTransport = { publishRetained: async (topic, payload) => void (await client.publishAsync(topic, Buffer.from(payload), { qos: 1, retain: true })) };
    const publisher = new RecallPublisher({
      store: new FilesPublisherStore(join(ctx.dir, 'platform-state')),
      signer: p.index.signer,
      certificate: p.index.certificate!,
      country: '86',
      trust: ctx.root.trust,
    });
    const r = await publisher.publish(cosigned, transport);
    n.say(`published retained on ${r.scopes.join(', ')}; signed index updated for ${r.indexes.join(', ')}`);
    const active = await waitFor('the recall applied on the robot', () => recalls(ctx).activeRecalls.find((a) => a.recallId === 'RC-2025-0007' && a.outcome !== undefined));
    n.say(`robot: notice verified (signatures, certificates, roles, scope, validity, target), stored, action ${active.outcome}: ${active.action} enforced`);
    const state = JSON.parse(readFileSync(recallStateFile(ctx.unit.stateDir), 'utf8')) as { strongestAction: string | null; activeRecalls: unknown[] };
    n.say(`robot: its state file, which the motion controller watches, now says strongestAction "${state.strongestAction}" (${state.activeRecalls.length} active recall)`);
    const ingest = ctx.handles.ingest ? demoIngest(ctx) : undefined;
    if (ingest) {
      const ack = await waitFor('the acknowledgement at the platform', () =>
        ingest.messages.find((m) => m.kind === 'ack' && (m.value as { status?: string; recallId?: string }).recallId === 'RC-2025-0007' && (m.value as { status?: string }).status === 'applied'),
      );
      n.say(`platform: signed acknowledgement #${ack.seq} from ${ack.code}: applied`);
    }
    ctx.handles.platformClient = client;
  },
};

export const forgedRecallStep: Step<DemoContext> = {
  title: 'A forged recall is pushed straight onto the broker',
  async run(ctx, n) {
    if (!ctx.platform || !ctx.unit) throw new StepMissing('no platform');
    const before = recalls(ctx);
    const client = (ctx.handles.platformClient as MqttClient | undefined) ?? (await platformClient(ctx));
    const now = Math.floor(Date.now() / 1000);
    // The forger's keys are of the demo's algorithm: the forgery fails on the signature itself.
    const forger = algSigner(generateAlgKeyPair(ctx.alg));
    const p = ctx.platform;
    // A real platform certificate in the header, but signed with the forger's own keys.
    let forged = await signRecall({ ...notice(now, 'RC-FORGED-1', p.recall.meta.subject), action: 'stop' }, forger, p.recall.certificate!);
    forged = await cosignRecall(forged, algSigner(generateAlgKeyPair(ctx.alg)), ctx.enterprise!.certificate!);
    const topic = recallTopic({ kind: 'model', enterprise: ENTERPRISE, model: MODEL }, 'RC-FORGED-1');
    await client.publishAsync(topic, Buffer.from(forged), { qos: 1, retain: true });
    n.say(`published on ${topic} with copied certificates and the forger's keys`);
    const counted = await waitFor('the robot to reject it', () => {
      const s = recalls(ctx);
      const total = Object.values(s.counters.unacknowledged).reduce((a, b) => a + b, 0);
      const prev = Object.values(before.counters.unacknowledged).reduce((a, b) => a + b, 0);
      return total > prev ? s : undefined;
    });
    const reasons = Object.keys(counted.counters.unacknowledged).join(', ');
    const still = counted.activeRecalls.map((a) => a.recallId).join(', ');
    n.say(`robot: rejected (${reasons}); counted and logged, not acknowledged; active recalls unchanged: ${still}`);
    const ingest = ctx.handles.ingest ? demoIngest(ctx) : undefined;
    if (ingest && ingest.messages.some((m) => m.kind === 'ack' && (m.value as { recallId?: string }).recallId === 'RC-FORGED-1')) {
      throw new Error('the forged recall was acknowledged');
    }
    await client.publishAsync(topic, Buffer.alloc(0), { qos: 1, retain: true }); // clear the retained forgery
  },
};

/** Step: the platform's fleet ingest subscribes, verifies what units publish, and signs receipts. */
import { join } from 'node:path';
import { readRegistry, type IngestMessage, type IngestRejection } from '../../../sdk/index.js';
import { connectIngest, type IngestConnection } from '../../../platform/ingest/mqtt.js';
import { openFilesStore } from '../../../platform/store/files/files-store.js';
import type { DemoContext } from '../context.js';
import { StepMissing, type Step } from '../story.js';
import { waitFor } from '../wait.js';

export interface IngestLog {
  conn: IngestConnection;
  messages: IngestMessage[];
  rejected: IngestRejection[];
  receipts: { code: string; event: number; ack: number }[];
}

export function demoIngest(ctx: DemoContext): IngestLog {
  const i = ctx.handles.ingest as IngestLog | undefined;
  if (!i) throw new StepMissing('the fleet ingest did not start');
  return i;
}

export const ingestStep: Step<DemoContext> = {
  title: 'The platform starts its fleet ingest',
  async run(ctx, n) {
    if (!ctx.root || !ctx.platform || !ctx.broker) throw new StepMissing('no authorities or broker');
    const receipt = ctx.platform.receipt;
    const conn = connectIngest(
      {
        trust: ctx.root.trust,
        store: openFilesStore(join(ctx.dir, 'ingest')),
        registry: readRegistry(join(ctx.dir, 'registry.jsonl')).entries,
        receipts: { signer: receipt.signer, certificate: receipt.certificate! },
      },
      { url: ctx.broker.url, clientId: 'demo-ingest', protocolVersion: 4 },
    );
    const log: IngestLog = { conn, messages: [], rejected: [], receipts: [] };
    conn.ingest.on('message', (m) => log.messages.push(m));
    conn.ingest.on('rejected', (r) => log.rejected.push(r));
    conn.ingest.on('receipt', (r) => log.receipts.push(r));
    ctx.handles.ingest = log;
    ctx.cleanups.push(() => conn.close());
    await conn.ready;
    n.say('subscribed to every unit channel; each message is verified against the unit\'s identity record');
    const hb = await waitFor('a verified heartbeat', () => log.messages.find((m) => m.kind === 'heartbeat'), 10_000);
    n.say(`heartbeat #${hb.seq} of ${hb.code} verified (signed by its device key; the next one is due within a second)`);
  },
};

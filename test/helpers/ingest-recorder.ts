/**
 * Runs a real fleet ingest on a test broker and records every event it emits, so tests can
 * assert on what the platform saw: verified messages in order, rejections with reasons, gaps,
 * chain breaks, presence changes and receipts.
 */
import { join } from 'node:path';
import { connectIngest, type IngestConnection } from '../../platform/ingest/mqtt.js';
import { openFilesStore } from '../../platform/store/files/files-store.js';
import type { OrderedQueueLimits } from '../../platform/ingest/ordered-queue.js';
import { type IngestOptions, type IngestMessage, type IngestRejection, type IngestGap, type IngestLost, type IngestChainBreak, type IngestPresence, type IngestReceipt } from '../../sdk/index.js';
import type { Pki, TestUnit } from './pki.js';

export interface Recorded {
  messages: IngestMessage[];
  rejected: IngestRejection[];
  gaps: IngestGap[];
  lost: IngestLost[];
  chains: IngestChainBreak[];
  online: IngestPresence[];
  offline: IngestPresence[];
  receipts: IngestReceipt[];
  duplicates: number;
}

export function emptyRecord(): Recorded {
  return { messages: [], rejected: [], gaps: [], lost: [], chains: [], online: [], offline: [], receipts: [], duplicates: 0 };
}

export function record(conn: IngestConnection, into: Recorded = emptyRecord()): Recorded {
  const i = conn.ingest;
  i.on('message', (m) => into.messages.push(m));
  i.on('rejected', (r) => into.rejected.push(r));
  i.on('gap', (g) => into.gaps.push(g));
  i.on('lost', (l) => into.lost.push(l));
  i.on('chain', (c) => into.chains.push(c));
  i.on('online', (p) => into.online.push(p));
  i.on('offline', (p) => into.offline.push(p));
  i.on('receipt', (r) => into.receipts.push(r));
  i.on('duplicate', () => into.duplicates++);
  return into;
}

export async function startIngest(
  pki: Pki,
  units: readonly TestUnit[],
  url: string,
  dir: string,
  extra: Partial<IngestOptions> & { clientId?: string; username?: string; password?: string; into?: Recorded; verifyThreads?: number; verifyQueue?: OrderedQueueLimits; verifyAhead?: 'busy' | 'always' } = {},
): Promise<IngestConnection> {
  const { clientId, username, password, into, verifyThreads, verifyQueue, verifyAhead, ...rest } = extra;
  const conn = connectIngest(
    {
      trust: pki.root.trust,
      store: extra.store ?? openFilesStore(join(dir)),
      registry: units.map((u) => ({ code: u.code, identity: u.identity.bytes })),
      receipts: { signer: pki.platform.signer, certificate: pki.platform.certificate! },
      ...rest,
    },
    { url, clientId: clientId ?? 'platform-ingest-test', username, password, flushIntervalMs: 10, tickIntervalMs: 100, verifyThreads: verifyThreads ?? testVerifyThreads(), verifyQueue, verifyAhead: verifyAhead ?? 'always' },
  );
  // Listen before the broker can deliver anything (a persistent session delivers at once).
  if (into) record(conn, into);
  await conn.ready;
  return conn;
}

/**
 * The verification threads of the test ingests: ROBOT_ID_TEST_VERIFY_THREADS (0: none) runs the
 * same tests with and without them; unset, the product's default for this host.
 */
export function testVerifyThreads(): number | undefined {
  const v = process.env.ROBOT_ID_TEST_VERIFY_THREADS;
  return v === undefined || v === '' ? undefined : Number(v);
}

/** Polls `cond` every 20 ms until true; throws with `what` after `timeoutMs`. */
export async function until(cond: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

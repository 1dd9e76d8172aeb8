/**
 * Fleet ingest: verified messages per second (decode, chain, signature, dedupe) against raw
 * node:crypto verification of the same messages. In-process, no broker: pre-signed heartbeats
 * from many units are fed straight into the verify path.
 *
 * Baseline: `crypto.verify` over each message's Sig_structure (pre-built) with a KeyObject
 * imported once per unit: the floor this machine sets for checking one Ed25519 signature.
 * Target: the ingest at >= 0.8 of that. Runs bundled, as the product does (bundled.ts; `--tsx`: not).
 *
 * `--alg sm2`: an SM2 fleet (every key SM2 with SM3). The baseline is then `sm2Verify` over the
 * same pre-built Sig_structure: node:crypto cannot be the floor, as its SM2 verification hashes
 * Z_A over an empty identifier (sdk/crypto/sm2.ts).
 *
 *   node scripts/bench/ingest.ts [units] [--alg ed25519|sm2]
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  COSE_ALG_SM2_SM3,
  FleetIngest,
  algFromName,
  sm2Verify,
  GENESIS_HASH,
  compareHeartbeatSeq,
  decodeSign1,
  entryHash,
  signEvent,
  heartbeatKind,
  parseUnitTopic,
  sigStructure1,
  signHeartbeat,
  unitTopic,
  verifyUnitMessage,
  type TrustStore,
  type VerifiedIdentity,
} from '../../sdk/index.js';
import { rerunBundled } from './bundled.js';
import { compareInterleaved, fmt, loadNote, machine, table, verdict, type Result } from './harness.js';
import { makePki, makeUnit, unitCode, type Unit } from './pki.js';

const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export interface IngestInput {
  units: Unit[];
  messages: { topic: string; bytes: Uint8Array; code: string }[];
  /** Signed event-log entries, chained per unit (seq 1..perUnit). */
  events: { topic: string; bytes: Uint8Array; code: string }[];
}

export async function prepare(unitCount: number, perUnit: number, alg?: number): Promise<IngestInput & { dir: string; trustStore: TrustStore }> {
  const dir = mkdtempSync(join(tmpdir(), 'rid-bench-ingest-'));
  const pki = await makePki(dir, alg);
  const now = Math.floor(Date.now() / 1000);
  const units: Unit[] = [];
  for (let i = 0; i < unitCount; i++) units.push(await makeUnit(pki.enterprise, unitCode(i + 1), now, alg));
  const messages: IngestInput['messages'] = [];
  for (let counter = 1; counter <= perUnit; counter++) {
    for (const u of units) {
      const bytes = await signHeartbeat(u.signer, {
        code: u.code,
        boot: 1,
        counter,
        time: now,
        uptimeS: counter * 30,
        state: 'in_service',
        agentVersion: '0.1.0',
        firmwareVersion: 'fw-1',
        outboxDepth: 0,
        logSeq: 0,
        logHash: new Uint8Array(32),
        nextDueBy: now + 60,
      });
      messages.push({ topic: unitTopic(u.code, 'hb'), bytes, code: u.code });
    }
  }
  const events: IngestInput['events'] = [];
  const heads = new Map<string, Uint8Array>(units.map((u) => [u.code, GENESIS_HASH]));
  for (let seq = 1; seq <= perUnit; seq++) {
    for (const u of units) {
      const bytes = await signEvent(u.signer, { code: u.code, seq, prevHash: heads.get(u.code)!, time: now, kind: 'maintenance', note: 'bench' });
      heads.set(u.code, entryHash(bytes));
      events.push({ topic: unitTopic(u.code, 'evt'), bytes, code: u.code });
    }
  }
  return { dir, units, messages, events, trustStore: pki.root.trust };
}

export async function runIngestBench(options: { units: number; perUnit: number; rounds: number; alg?: number }): Promise<{ ratio: number }> {
  const sm2 = options.alg === COSE_ALG_SM2_SM3;
  const input = await prepare(options.units, options.perUnit, options.alg);
  try {
    // Baseline: raw verify, Sig_structure and KeyObjects prepared outside the timed loop.
    const keys = new Map<string, KeyObject>();
    const points = new Map<string, Uint8Array>();
    for (const u of input.units) {
      points.set(u.code, u.identity.record.devicePublicKey);
      if (!sm2) keys.set(u.code, createPublicKey({ key: Buffer.concat([SPKI_PREFIX, u.identity.record.devicePublicKey]), format: 'der', type: 'spki' }));
    }
    const rawVerify = (r: { code: string; key: KeyObject | undefined; data: Uint8Array; sig: Uint8Array }): boolean =>
      sm2 ? sm2Verify(r.sig, r.data, points.get(r.code)!) : verify(null, r.data, r.key!, r.sig);
    const raw = input.messages.map((m) => {
      const cose = decodeSign1(m.bytes, { maxBytes: 4096 });
      return { code: m.code, key: keys.get(m.code), data: sigStructure1(cose.protectedBytes, cose.payload), sig: cose.signature };
    });
    let i = 0;
    const rawFn = (): void => {
      const r = raw[i++ % raw.length]!;
      if (!rawVerify(r)) throw new Error('raw verify failed');
    };

    // The SDK path an ingest runs per message: topic, identity lookup, decode + kid + signature
    // (verifyUnitMessage), then dedupe against the unit's high-water mark.
    const identities = new Map<string, VerifiedIdentity>(input.units.map((u) => [u.code, u.identity]));
    const marks = new Map<string, { boot: number; counter: number }>();
    let j = 0;
    let accepted = 0;
    const sdkFn = (): void => {
      const m = input.messages[j++ % input.messages.length]!;
      const t = parseUnitTopic(m.topic)!;
      const identity = identities.get(t.code)!;
      const hb = verifyUnitMessage(heartbeatKind, m.bytes, identity).value;
      const mark = marks.get(t.code);
      if (!mark || compareHeartbeatSeq(hb, mark) > 0) {
        marks.set(t.code, { boot: hb.boot, counter: hb.counter });
        accepted++;
      }
    };
    // The real fleet ingest (sdk/platform), in memory (no store dir): events from many units,
    // each checked for signature, chain and duplicate; after the first pass every entry is a
    // quiet duplicate, which is verified all the same.
    const ingest = new FleetIngest({ trust: input.trustStore, registry: input.units.map((u) => ({ code: u.code, identity: u.identity.bytes })) });
    for (const u of input.units) ingest.identities.get(u.code); // identity records verified once, up front
    const rawEvents = input.events.map((m) => {
      const cose = decodeSign1(m.bytes, { maxBytes: 4096 });
      return { code: m.code, key: keys.get(m.code), data: sigStructure1(cose.protectedBytes, cose.payload), sig: cose.signature };
    });
    let k = 0;
    let e = 0;
    const rawEventFn = (): void => {
      const r = rawEvents[k++ % rawEvents.length]!;
      if (!rawVerify(r)) throw new Error('raw verify failed');
    };
    const ingestFn = (): void => {
      const m = input.events[e++ % input.events.length]!;
      ingest.handle(m.topic, m.bytes);
    };
    const rawName = sm2 ? 'raw sm2Verify' : 'raw node:crypto verify';
    const [rawResult, sdkResult, rawEv, ingestResult] = compareInterleaved(
      [
        { name: `${rawName} (heartbeats)`, fn: rawFn },
        { name: 'SDK verify path (verifyUnitMessage + dedupe), heartbeats', fn: sdkFn },
        { name: `${rawName} (events)`, fn: rawEventFn },
        { name: 'FleetIngest.handle: events (decode, signature, chain, dedupe)', fn: ingestFn },
      ],
      options.rounds,
    ) as [Result, Result, Result, Result];
    if (ingest.stats.rejected > 0) throw new Error(`ingest rejected ${ingest.stats.rejected} messages`);
    const ingestRatio = ingestResult.opsPerSec / rawEv.opsPerSec;
    if (accepted === 0) throw new Error('SDK path accepted nothing');

    const ratio = sdkResult.opsPerSec / rawResult.opsPerSec;
    table(`fleet ingest${sm2 ? ' (SM2 fleet)' : ''}: verified messages/s (${fmt(options.units)} units, ${fmt(input.messages.length)} heartbeats, ${machine()}, ${loadNote()})`, [
      { name: rawResult.name, value: fmt(rawResult.opsPerSec), ratio: '1.00x (baseline)' },
      { name: sdkResult.name, value: fmt(sdkResult.opsPerSec), ratio: `${ratio.toFixed(2)}x raw` },
      { name: rawEv.name, value: fmt(rawEv.opsPerSec), ratio: '1.00x (baseline)' },
      { name: ingestResult.name, value: fmt(ingestResult.opsPerSec), ratio: `${ingestRatio.toFixed(2)}x raw  ${verdict(ingestRatio >= 0.8, 'target >= 0.80x')}` },
    ]);
    return { ratio: ingestRatio };
  } finally {
    rmSync(input.dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const status = await rerunBundled(import.meta.url);
  if (status !== undefined) process.exit(status);
  const args = process.argv.slice(2);
  const at = args.indexOf('--alg');
  const alg = at >= 0 ? algFromName(args.splice(at, 2)[1] ?? '') : undefined;
  const units = Number(args[0] ?? 5000);
  await runIngestBench({ units, perUnit: 2, rounds: 8, alg });
}

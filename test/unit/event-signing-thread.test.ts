// The event chain signed on a worker thread (sdk/messages/event-chain.ts over
// sdk/crypto/chain-thread.ts): byte-identical to signEvent, strictly chained across bursts,
// idle stops and restarts; refused cleanly after close; unavailable for keys that cannot
// leave the event loop.
import { afterEach, describe, expect, it } from 'vitest';
import {
  EventSigningThread,
  GENESIS_HASH,
  KeyError,
  entryHash,
  eventKind,
  nobleEd25519,
  nodeEd25519,
  openSign1,
  randomBytes32,
  seedSigner,
  signEvent,
  toHex,
  verifyOpened,
  type EventPayload,
  type Signer,
} from '../../sdk/index.js';
import { outcome } from '../helpers/outcome.js';

const CODE = '86123456789012345678901234567';
const threads: EventSigningThread[] = [];
afterEach(async () => {
  for (const t of threads.splice(0)) await t.close();
});

function open(signer: Signer, idleMs = 10_000): EventSigningThread {
  const t = EventSigningThread.for(signer, { idleMs });
  if (!t) throw new Error('expected a signing thread for a node seed signer');
  threads.push(t);
  return t;
}

function event(seq: number): Omit<EventPayload, 'v' | 'prevHash'> {
  // Varying sizes cross CBOR length boundaries of the note (23/24, 255/256 bytes).
  const note = seq % 3 === 0 ? undefined : 'n'.repeat((seq * 37) % 300);
  return { code: CODE, seq, time: 1_800_000_000 + seq, kind: seq % 5 === 0 ? 'fault' : 'maintenance', ...(note === undefined ? {} : { note }) };
}

/** What signEvent makes for the same entries, chained on the event loop. */
async function expected(signer: Signer, from: number, to: number, head: Uint8Array): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  let prev = head;
  for (let seq = from; seq <= to; seq++) {
    const bytes = await signEvent(signer, { ...event(seq), prevHash: prev });
    out.push(bytes);
    prev = entryHash(bytes);
  }
  return out;
}

describe('event signing thread', () => {
  it('signs a burst byte-identically to signEvent, each entry naming the hash of the one before', async () => {
    const signer = seedSigner(randomBytes32());
    const t = open(signer);
    t.begin(GENESIS_HASH);
    const prepared = Array.from({ length: 200 }, (_, i) => t.prepare(event(i + 1)));
    const signed = await Promise.all(prepared.map((p) => p.submit()));
    const want = await expected(signer, 1, 200, GENESIS_HASH);
    signed.forEach((s, i) => {
      expect(s.message.length).toBe(prepared[i]!.length);
      expect(toHex(s.message)).toBe(toHex(want[i]!));
      expect(toHex(s.hash)).toBe(toHex(entryHash(want[i]!)));
      expect(verifyOpened(openSign1(eventKind, s.message), signer.publicKey, nodeEd25519)).toBe(true);
    });
    expect(t.inFlight).toBe(0);
    expect(toHex(t.lastHash)).toBe(toHex(entryHash(want.at(-1)!)));
  });

  it('stops when idle, starts again on begin() and goes on from the head it is given', async () => {
    const signer = seedSigner(randomBytes32());
    const t = open(signer, 30);
    t.begin(GENESIS_HASH);
    const first = await Promise.all([1, 2, 3].map((seq) => t.prepare(event(seq)).submit()));
    expect(t.running).toBe(true);
    await expect.poll(() => t.running, { timeout: 3000 }).toBe(false);
    t.begin(first.at(-1)!.hash);
    const second = await Promise.all([4, 5].map((seq) => t.prepare(event(seq)).submit()));
    const want = await expected(signer, 1, 5, GENESIS_HASH);
    expect([...first, ...second].map((s) => toHex(s.message))).toEqual(want.map(toHex));
  });

  it('a placeholder in a note cannot be confused with the hole: notes are signed as given', async () => {
    const signer = seedSigner(randomBytes32());
    const t = open(signer);
    t.begin(GENESIS_HASH);
    // 32 zero bytes, the genesis hash, as text and as data: nothing in the payload is patched but prevHash.
    const e = { code: CODE, seq: 1, time: 1_800_000_000, kind: 'maintenance' as const, note: '\u0000'.repeat(32), data: new Uint8Array(32) };
    const s = await t.prepare(e).submit();
    expect(toHex(s.message)).toBe(toHex(await signEvent(signer, { ...e, prevHash: GENESIS_HASH })));
  });

  it('a prepared entry joins the chain only when submitted (a log refuses one by its length first)', async () => {
    const signer = seedSigner(randomBytes32());
    const t = open(signer);
    t.begin(GENESIS_HASH);
    const refused = t.prepare(event(1));
    expect(refused.length).toBeGreaterThan(0);
    const kept = await t.prepare(event(2)).submit();
    expect(toHex(openSign1(eventKind, kept.message).value.prevHash)).toBe(toHex(GENESIS_HASH));
    expect(toHex(kept.message)).toBe(toHex(await signEvent(signer, { ...event(2), prevHash: GENESIS_HASH })));
  });

  it('after close, jobs in flight and new ones are refused with KEY_SIGNING_THREAD', async () => {
    const signer = seedSigner(randomBytes32());
    const t = open(signer);
    t.begin(GENESIS_HASH);
    const settled = Promise.allSettled(Array.from({ length: 50 }, (_, i) => t.prepare(event(i + 1)).submit()));
    await t.close();
    const results = await settled;
    // Some may have been answered before the close; none is left hanging, the rest are refused.
    for (const r of results) if (r.status === 'rejected') expect((r.reason as { code?: string }).code).toBe('KEY_SIGNING_THREAD');
    await expect(t.prepare(event(51)).submit()).rejects.toMatchObject({ code: 'KEY_SIGNING_THREAD' });
    expect(outcome(() => t.begin(GENESIS_HASH), KeyError)).toBe('KEY_SIGNING_THREAD');
  });

  it('is not offered for a key that is not an in-memory node key', () => {
    expect(EventSigningThread.for(seedSigner(randomBytes32(), nobleEd25519))).toBeUndefined();
  });
});

// The event log's single-encoding signer must produce exactly the SDK's signEvent bytes (same
// CBOR, same COSE_Sign1, same Ed25519 signature) for every shape of entry, and fall back to
// signEvent for a signer whose signatures are not reproducible.
import { describe, expect, it } from 'vitest';
import { GENESIS_HASH, entryHash, eventKind, nodeEd25519, openSign1, randomBytes32, seedSigner, signEvent, toHex, verifyOpened, type EventPayload, type Signer } from '../../sdk/index.js';
import { EventEncoder } from '../../agent/eventlog/event-encoder.js';

const CODE = '86123456789012345678901234567';

describe('EventEncoder', () => {
  it('builds the same bytes and hash as signEvent for notes, data and orders of every length class', async () => {
    const signer = seedSigner(randomBytes32());
    const enc = await EventEncoder.create(signer, CODE);
    expect(enc.fast).toBe(true);
    let prev: Uint8Array = GENESIS_HASH;
    const lens = [0, 1, 23, 24, 150, 255, 256, 1024];
    for (let i = 0; i < lens.length * 3; i++) {
      const n = lens[i % lens.length]!;
      const ev: Omit<EventPayload, 'v'> = { code: CODE, seq: i + 1, prevHash: prev, time: 1_700_000_000 + i * 997, kind: i % 2 ? 'maintenance' : 'fault' };
      if (i % 3 === 0) ev.note = 'n'.repeat(n);
      if (i % 3 === 1) ev.data = new Uint8Array(Math.min(n, 2048)).fill(i);
      if (i % 3 === 2) {
        ev.technician = 'tech-7';
        ev.order = new Uint8Array(n * 2).fill(0xa5);
      }
      const want = await signEvent(signer, ev);
      const got = await enc.sign(ev);
      expect(toHex(got.bytes)).toBe(toHex(want));
      expect(toHex(got.hash)).toBe(toHex(entryHash(want)));
      expect(verifyOpened(openSign1(eventKind, got.bytes), signer.publicKey, nodeEd25519)).toBe(true);
      prev = got.hash;
    }
  });

  it('matches signEvent at every integer head size, for non-ASCII text and for inputs it leaves to the SDK encoder', async () => {
    const signer = seedSigner(randomBytes32());
    const enc = await EventEncoder.create(signer, CODE);
    const ints = [0, 1, 23, 24, 255, 256, 65_535, 65_536, 2 ** 32 - 1, 2 ** 32, Number.MAX_SAFE_INTEGER];
    const notes = ['滤芯已更换：3号关节', 'robot 🤖 ok', 'lone \ud800 surrogate', ''];
    for (let i = 0; i < ints.length; i++) {
      const ev: Omit<EventPayload, 'v'> = { code: CODE, seq: ints[i]!, prevHash: GENESIS_HASH, time: ints[ints.length - 1 - i]!, kind: 'software-update', note: notes[i % notes.length], technician: notes[(i + 1) % notes.length] };
      expect(toHex((await enc.sign(ev)).bytes)).toBe(toHex(await signEvent(signer, ev)));
    }
    // A value the direct writer does not handle (here -0, which the SDK codec writes as 0) still
    // comes out exactly as signEvent makes it.
    const odd: Omit<EventPayload, 'v'> = { code: CODE, seq: 5, prevHash: GENESIS_HASH, time: -0, kind: 'fault' };
    expect(toHex((await enc.sign(odd)).bytes)).toBe(toHex(await signEvent(signer, odd)));
  });

  it('falls back to signEvent when the signer does not reproduce its signatures', async () => {
    const inner = seedSigner(randomBytes32());
    let calls = 0;
    // Stands for a non-deterministic signer: a different (still valid-length) signature each time.
    const flaky: Signer = { alg: inner.alg, kid: inner.kid, publicKey: inner.publicKey, sign: async (m) => ((calls++ & 1) === 0 ? inner.sign(m) : new Uint8Array(64).fill(calls)) };
    const enc = await EventEncoder.create(flaky, CODE);
    expect(enc.fast).toBe(false);
    const ev: Omit<EventPayload, 'v'> = { code: CODE, seq: 1, prevHash: GENESIS_HASH, time: 1_700_000_000, kind: 'maintenance', note: 'x' };
    const got = await enc.sign(ev);
    expect(openSign1(eventKind, got.bytes).value.note).toBe('x');
    expect(toHex(got.hash)).toBe(toHex(entryHash(got.bytes)));
  });
});

/**
 * The contract every PublisherStore keeps, run against each backend (files, PostgreSQL) with a
 * `build` that gives a fresh, empty backing store: atomic changes, nothing kept from a change
 * that failed, blobs byte-identical after reopening, and no change lost when two stores (two
 * publishers) change the state at once.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PublisherStore } from '../../sdk/index.js';
import { makeAuthorities, type Authorities } from './recall-authorities.js';

export interface PublisherBackend {
  /** Opens the backing store (again): what a restarted or a second publisher sees. */
  open(): Promise<PublisherStore>;
  cleanup(): Promise<void>;
}

const now = () => Math.floor(Date.now() / 1000);

function facts(recallId: string, revision = 1, scopes = ['c/86']) {
  const payload = new Uint8Array(randomBytes(32));
  return { recallId, revision, campaignId: `C-${recallId}`, notAfter: now() + 3600, payload, scopes };
}

export function publisherStoreContract(name: string, build: () => Promise<PublisherBackend>): void {
  describe(`PublisherStore contract: ${name}`, () => {
    let a: Authorities;
    const backends: PublisherBackend[] = [];
    const fresh = async (): Promise<PublisherBackend> => {
      const b = await build();
      backends.push(b);
      return b;
    };
    const sign = (state: Parameters<Parameters<PublisherStore['change']>[1]>[0]) =>
      state.signDue({ signer: a.index.signer, certificate: a.index.certificate!, now: now(), lifetimeSeconds: 3600 });
    beforeAll(async () => {
      a = await makeAuthorities('86');
    });
    afterAll(async () => {
      for (const b of backends) await b.cleanup();
      a.cleanup();
    });

    it('is empty at first; a change commits notice, index and revocations, byte-identical after reopening', async () => {
      const b = await fresh();
      const s1 = await b.open();
      expect(await s1.read()).toBeUndefined();
      const notice = new Uint8Array(randomBytes(300));
      const signed = await s1.change('86', async (state) => {
        expect(state.putNotice(notice, facts('R-1')).changed).toBe(true);
        expect(state.revoke({ codes: ['86123456789000000000000000001'] })).toBe(true);
        return sign(state);
      });
      expect(signed).toEqual(['c/86']);
      const index = (await s1.read())!.indexBytes('c/86');
      await s1.close();
      const s2 = await b.open();
      const held = (await s2.read())!;
      expect(held.country).toBe('86');
      expect(held.recalls().map((r) => r.recallId)).toEqual(['R-1']);
      expect(Buffer.from(held.noticeBytes('R-1')).equals(Buffer.from(notice))).toBe(true);
      expect(Buffer.from(held.indexBytes('c/86')).equals(Buffer.from(index))).toBe(true);
      expect(held.revocations().codes).toEqual(['86123456789000000000000000001']);
      // Nothing changed: nothing re-signed, the same bytes stay.
      expect(await s2.change('86', (state) => sign(state))).toEqual([]);
      expect(Buffer.from((await s2.read())!.indexBytes('c/86')).equals(Buffer.from(index))).toBe(true);
      await s2.close();
    });

    it('a change that throws leaves nothing behind', async () => {
      const b = await fresh();
      const s = await b.open();
      await s.change('86', (state) => state.putNotice(new Uint8Array([1, 2, 3]), facts('R-KEPT')));
      await expect(
        s.change('86', (state) => {
          state.putNotice(new Uint8Array([4, 5, 6]), facts('R-LOST'));
          state.revoke({ codes: ['86123456789000000000000000002'] });
          throw new Error('refused halfway');
        }),
      ).rejects.toThrow('refused halfway');
      const held = (await s.read())!;
      expect(held.recalls().map((r) => r.recallId)).toEqual(['R-KEPT']);
      expect(held.revocations().codes).toEqual([]);
      expect(() => held.noticeBytes('R-LOST')).toThrow(expect.objectContaining({ code: 'INDEX_STATE_INVALID' }));
      await s.close();
    });

    it('refuses a state of another country; forgets a recall with its notice', async () => {
      const b = await fresh();
      const s = await b.open();
      await s.change('86', (state) => state.putNotice(new Uint8Array([7]), facts('R-GONE')));
      await expect(s.change('44', () => undefined)).rejects.toThrow(expect.objectContaining({ code: 'INDEX_STATE_INVALID' }));
      await s.change('86', (state) => state.forget('R-GONE'));
      const held = (await s.read())!;
      expect(held.recalls()).toEqual([]);
      expect(() => held.noticeBytes('R-GONE')).toThrow(expect.objectContaining({ code: 'INDEX_STATE_INVALID' }));
      await s.close();
    });

    it('two publishers changing at once lose no change', async () => {
      const b = await fresh();
      const [p1, p2] = [await b.open(), await b.open()];
      const codes = Array.from({ length: 12 }, (_, i) => `861234567890000000000000000${String(i + 10)}`);
      await Promise.all(
        codes.map((code, i) =>
          (i % 2 ? p1 : p2).change('86', async (state) => {
            state.revoke({ codes: [code] });
            // Yield inside the change: without the lock another change would read the old state here.
            await new Promise((r) => setTimeout(r, 5));
            await sign(state);
          }),
        ),
      );
      const held = (await p1.read())!;
      expect(held.revocations().codes).toEqual([...codes].sort());
      await p1.close();
      await p2.close();
    });
  });
}

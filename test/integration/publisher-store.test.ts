/** The publisher-state contract against both backends: a directory of files and PostgreSQL. */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FilesPublisherStore } from '../../platform/store/files/publisher-files.js';
import { PgPublisherStore } from '../../platform/store/postgres/publisher-pg.js';
import { openDb } from '../../platform/store/postgres/connect.js';
import { migrate } from '../../platform/store/postgres/migrate.js';
import { createTestDatabase, postgresAvailable } from '../helpers/postgres.js';
import { publisherStoreContract } from '../helpers/publisher-store-contract.js';

publisherStoreContract('files', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rid-pubstate-'));
  return { open: async () => new FilesPublisherStore(dir), cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
});

const available = await postgresAvailable();
if (available) {
  publisherStoreContract('postgres', async () => {
    const database = await createTestDatabase();
    const db = await openDb(database.url, { max: 1 });
    await migrate(db);
    await db.close();
    return { open: () => PgPublisherStore.open(database.url), cleanup: () => database.drop() };
  });
} else describe.skip('PublisherStore contract: postgres (no server)', () => undefined);

describe('the files layout', () => {
  it('is the one earlier versions wrote: state.json, notices/<id>.cose, indexes/<scope>.cose, no lock left', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rid-pubstate-layout-'));
    try {
      const store = new FilesPublisherStore(dir);
      await store.change('86', (state) =>
        state.putNotice(new Uint8Array([9, 9]), { recallId: 'R-L', revision: 1, campaignId: 'C', notAfter: 4102444800, payload: new Uint8Array([1]), scopes: ['m/1234/567890'] }),
      );
      expect(readdirSync(dir).sort()).toEqual(['indexes', 'notices', 'state.json']);
      expect([...readFileSync(join(dir, 'notices', 'R-L.cose'))]).toEqual([9, 9]);
      const json = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as { format: string; recalls: Record<string, { scopes: string[] }> };
      expect(json.format).toBe('robot-id-index-state/1');
      expect(json.recalls['R-L']!.scopes).toEqual(['m/1234/567890']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

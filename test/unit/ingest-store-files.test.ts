/** The files store against the IngestStore contract, and what only files have: torn lines. */
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openFilesStore } from '../../platform/index.js';
import { FilesStoreReader } from '../../platform/store/files/files-reader.js';
import { IDENTITIES_FILE } from '../../platform/store/files/identities-file.js';
import { MARKS_FILE } from '../../platform/store/files/ingest-state.js';
import { chain, identityOf, ingestStoreContract, put } from '../helpers/ingest-store-contract.js';

ingestStoreContract('files', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rid-files-store-'));
  return {
    open: async () => openFilesStore(dir),
    reader: () => new FilesStoreReader(dir),
    shared: false,
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

describe('files store: the identity records file', () => {
  it('keeps a record committed after a torn line: the torn line is the only one lost', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rid-files-torn-'));
    try {
      const s = openFilesStore(dir);
      const first = identityOf('CN-TORN-A', 1);
      s.appendIdentity(first);
      await s.commit();
      await s.close();
      // A crash inside the next append: half a line, no newline.
      const file = join(dir, IDENTITIES_FILE);
      appendFileSync(file, '{"code":"CN-TORN-B","identity":"AAEC');
      const again = openFilesStore(dir);
      expect(again.opened.identities.map((i) => i.code)).toEqual(['CN-TORN-A']);
      const next = identityOf('CN-TORN-C', 1);
      again.appendIdentity(next);
      await again.commit();
      await again.close();
      const reopened = openFilesStore(dir);
      expect(reopened.opened.identities.map((i) => [i.code, Buffer.from(i.record).toString('hex')])).toEqual([
        ['CN-TORN-A', Buffer.from(first.record).toString('hex')],
        ['CN-TORN-C', Buffer.from(next.record).toString('hex')],
      ]);
      await reopened.close();
      expect(readFileSync(file, 'utf8').split('\n').filter((l) => l !== '')).toHaveLength(3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps a record queued when its file cannot be written, and stores it at the next commit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rid-files-fail-'));
    try {
      const s = openFilesStore(dir);
      // A directory where the file goes: the append fails after the log's entries are synced.
      mkdirSync(join(dir, IDENTITIES_FILE));
      for (const r of chain('CN-FAIL-A', 'event', 2)) put(s, r);
      s.appendIdentity(identityOf('CN-FAIL-B', 1));
      await expect(s.commit()).rejects.toThrow();
      expect(s.committed('CN-FAIL-A')).toMatchObject({ event: 2 });
      rmSync(join(dir, IDENTITIES_FILE), { recursive: true });
      await s.commit();
      await s.close();
      const again = openFilesStore(dir);
      expect(again.opened.identities.map((i) => i.code)).toEqual(['CN-FAIL-B']);
      expect(again.committed('CN-FAIL-A')).toMatchObject({ event: 2 });
      await again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('files store: the marks snapshot', () => {
  const snapshotOffset = (dir: string): number => (JSON.parse(readFileSync(join(dir, MARKS_FILE), 'utf8')) as { offset: number }).offset;

  it('is written by the commit that makes it due, so the next open replays nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rid-files-snap-'));
    try {
      const s = openFilesStore(dir, { snapshotBytes: 1 });
      for (const r of chain('CN-SNAP-A', 'event', 3)) put(s, r);
      await s.commit();
      expect(s.snapshotError).toBeUndefined();
      const offset = snapshotOffset(dir);
      expect(offset).toBeGreaterThan(0);
      // A later snapshot is not due yet at close: the one written stands.
      await s.close();
      expect(snapshotOffset(dir)).toBe(offset);
      const again = openFilesStore(dir);
      expect(again.opened.replayed).toBe(0);
      expect(again.committed('CN-SNAP-A')).toMatchObject({ event: 3 });
      await again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('that cannot be written fails nothing the commit made durable, and is written at the next commit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rid-files-snap-fail-'));
    try {
      const told: Error[] = [];
      const s = openFilesStore(dir, { snapshotBytes: 1, onSnapshotError: (err) => told.push(err) });
      // A directory where the snapshot's temporary file goes: its write fails.
      mkdirSync(join(dir, `${MARKS_FILE}.new`));
      for (const r of chain('CN-SNAP-B', 'event', 2)) put(s, r);
      await expect(s.commit()).resolves.toBeGreaterThan(0);
      expect(s.snapshotError).toBeInstanceOf(Error);
      expect(s.committed('CN-SNAP-B')).toMatchObject({ event: 2 });
      // Failing again: told once until a snapshot is written.
      for (const r of chain('CN-SNAP-B', 'event', 1, 3)) put(s, r);
      await s.commit();
      expect(s.committed('CN-SNAP-B')).toMatchObject({ event: 3 });
      expect(told).toEqual([s.snapshotError]);
      rmSync(join(dir, `${MARKS_FILE}.new`), { recursive: true });
      for (const r of chain('CN-SNAP-C', 'event', 1)) put(s, r);
      await s.commit();
      expect(s.snapshotError).toBeUndefined();
      const written = snapshotOffset(dir);
      await s.close();
      const again = openFilesStore(dir);
      expect(again.opened.replayed).toBe(0);
      expect(snapshotOffset(dir)).toBe(written);
      expect(again.committed('CN-SNAP-B')).toMatchObject({ event: 3 });
      expect(again.committed('CN-SNAP-C')).toMatchObject({ event: 1 });
      await again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

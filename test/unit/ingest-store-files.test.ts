/** The files store against the IngestStore contract. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openFilesStore } from '../../platform/index.js';
import { FilesStoreReader } from '../../platform/store/files/files-reader.js';
import { ingestStoreContract } from '../helpers/ingest-store-contract.js';

ingestStoreContract('files', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rid-files-store-'));
  return {
    open: async () => openFilesStore(dir),
    reader: () => new FilesStoreReader(dir),
    shared: false,
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

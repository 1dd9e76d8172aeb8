/**
 * Opens the publisher state where the platform keeps it (docs/operations.md §"The platform's
 * state"): a directory of files, or the platform's PostgreSQL database.
 */
import type { PublisherStore } from '../../sdk/index.js';
import { FilesPublisherStore } from './files/publisher-files.js';
import { PgPublisherStore } from './postgres/publisher-pg.js';

export type PublisherStateLocation = { dir: string } | { url: string };

export async function openPublisherStore(at: PublisherStateLocation): Promise<PublisherStore> {
  return 'dir' in at ? new FilesPublisherStore(at.dir) : PgPublisherStore.open(at.url);
}

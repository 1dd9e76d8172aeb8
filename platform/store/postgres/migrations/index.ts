/** Every migration, in order. A published migration is never edited: a change is a new one. */
import { migration0001 } from './0001-ingest.js';
import { migration0002 } from './0002-presence.js';
import { migration0003 } from './0003-presence-trust.js';
import { migration0004 } from './0004-rekeys.js';
import { migration0005 } from './0005-unit-identities.js';
import { migration0006 } from './0006-publisher-state.js';
import { migration0007 } from './0007-recycling-records.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [migration0001, migration0002, migration0003, migration0004, migration0005, migration0006, migration0007];
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

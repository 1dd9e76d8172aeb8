/**
 * `robot-id platform registry import <registry.jsonl> --db <url> --trust <file>`: keeps a
 * maker's registry (the JSON lines `robot-id provision` writes) in the platform's PostgreSQL
 * store, so every ingest worker knows those units, at start or (running) at their first message
 * (docs/operations.md §"Running the platform on PostgreSQL"). Each record is verified against the trust store (and revocations)
 * first; a record replaces a kept one only with a higher recordVersion, so running it again
 * changes nothing. Exit 0 when every line was a record that verified, 1 when some line was
 * unreadable or some record refused (the others are kept all the same), 2 for bad arguments, 3
 * when the database cannot be reached, 4 when it is not migrated or the commit failed.
 */
import { existsSync } from 'node:fs';
import { IdentityDirectory, TrustStore, isRobotIdError, readRegistry, type StoredIdentity } from '../../sdk/index.js';
import { EXIT, UsageError, optionalString, requireString, type Command, type Io } from '../command.js';
import { dbOption, dbUrlOf } from '../platform/db.js';
import { loadRevocations } from '../revocations.js';
import { openDb } from '../../platform/store/postgres/connect.js';
import { PostgresIngestStore } from '../../platform/store/postgres/pg-store.js';

export const platformRegistryImportCommand: Command = {
  path: ['platform', 'registry', 'import'],
  summary: "verify a maker's registry and keep its identity records in the platform database (idempotent)",
  usage: 'platform registry import <registry.jsonl> --trust <file> --db <postgres://...> [--revocations <file>] [--json]   (or ROBOT_ID_PLATFORM_DB)',
  options: { ...dbOption, trust: { type: 'string' }, revocations: { type: 'string' }, json: { type: 'boolean' } },
  async run(values, positionals, io: Io) {
    const file = positionals[0];
    if (!file || positionals.length > 1) throw new UsageError('expected one registry file (JSON lines written by `robot-id provision`)');
    if (!existsSync(file)) throw new UsageError(`${file}: no such registry file`);
    const url = dbUrlOf(values);
    if (!url) throw new UsageError('missing --db (or ROBOT_ID_PLATFORM_DB): the PostgreSQL to keep the records in');
    const trust = TrustStore.load(requireString(values, 'trust'));
    const revocations = loadRevocations(optionalString(values, 'revocations'));
    const registry = readRegistry(file);
    // Each record verified as an ingest worker verifies it (docs/protocol.md §"Fleet ingest").
    const directory = new IdentityDirectory(trust, { revocations: revocations.withoutScrapped() });
    const verified = new Map<string, StoredIdentity>();
    const refused: { code: string; reason: string; message: string }[] = [];
    for (const e of registry.entries) {
      try {
        const v = directory.check(e.code, e.identity);
        if ((verified.get(e.code)?.recordVersion ?? -1) < v.record.recordVersion) verified.set(e.code, { code: e.code, record: e.identity, recordVersion: v.record.recordVersion });
      } catch (err) {
        refused.push({ code: e.code, reason: isRobotIdError(err) ? err.code : 'INTERNAL', message: (err as Error).message });
      }
    }
    const db = await openDb(url, { max: 1, applicationName: 'robot-id registry import' });
    let stored: number;
    try {
      const store = await PostgresIngestStore.open(db);
      for (const i of verified.values()) store.appendIdentity(i);
      await store.commit();
      stored = store.stats.identitiesStored;
    } finally {
      await db.close();
    }
    const summary = { db: db.where, file, records: registry.entries.length, verified: verified.size, stored, alreadyKept: verified.size - stored, refused, unreadable: registry.problems };
    if (values.json) io.out(JSON.stringify(summary));
    else {
      for (const p of registry.problems) io.err(`note: unreadable line ${p}`);
      for (const r of refused) io.err(`note: ${r.code} refused (${r.reason}): ${r.message}`);
      io.out(`${db.where}: ${summary.records} records read, ${summary.verified} units verified: ${stored} kept now, ${summary.alreadyKept} already kept (same or higher version); ${refused.length} refused, ${registry.problems.length} unreadable lines`);
    }
    return refused.length > 0 || registry.problems.length > 0 ? EXIT.REJECTED : EXIT.OK;
  },
};

/**
 * `robot-id platform migrate --db <url>`: brings the platform's PostgreSQL schema to this
 * version (docs/operations.md §"Running the platform on PostgreSQL"). Idempotent; exit 0 when
 * the schema is current (applied now or already), 2 for a bad URL, 3 when the server cannot be
 * reached or refuses the login, 4 when a migration fails or the schema is newer than this
 * robot-id (docs/cli.md).
 */
import { EXIT, UsageError, type Command, type Io } from '../command.js';
import { dbOption, dbUrlOf } from '../platform/db.js';
import { openDb } from '../../platform/store/postgres/connect.js';
import { migrate } from '../../platform/store/postgres/migrate.js';

export const platformMigrateCommand: Command = {
  path: ['platform', 'migrate'],
  summary: "apply the platform database's migrations (idempotent)",
  usage: 'platform migrate --db <postgres://user@host:5432/db> [--json]   (or ROBOT_ID_PLATFORM_DB)',
  options: { ...dbOption, json: { type: 'boolean' } },
  async run(values, _p, io: Io) {
    const url = dbUrlOf(values);
    if (!url) throw new UsageError('missing --db (or ROBOT_ID_PLATFORM_DB): the PostgreSQL URL to migrate');
    const db = await openDb(url, { max: 1, applicationName: 'robot-id migrate' });
    try {
      const r = await migrate(db);
      if (values.json) io.out(JSON.stringify({ db: db.where, applied: r.applied, version: r.version }));
      else io.out(r.applied.length > 0 ? `${db.where}: applied migrations ${r.applied.join(', ')}; schema version ${r.version}` : `${db.where}: schema version ${r.version}, up to date`);
      return EXIT.OK;
    } finally {
      await db.close();
    }
  },
};

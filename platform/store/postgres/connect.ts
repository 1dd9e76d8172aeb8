/**
 * Opening the platform's database from a `postgres://` URL (the --db flag or
 * ROBOT_ID_PLATFORM_DB) with node-postgres in pure JavaScript (never pg-native). Every failure
 * becomes a PlatformDbError that names the URL without its password.
 */
import pg from 'pg';
import { PlatformDbError, redactUrl } from './errors.js';

export interface DbOptions {
  /** Connections in the pool (default 4). */
  max?: number;
  /** Give up connecting after this long (default 5000 ms). */
  connectTimeoutMs?: number;
  /** Application name shown in pg_stat_activity. */
  applicationName?: string;
}

/** Checks the URL's form before anything is sent (DB_URL). */
export function checkDbUrl(url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new PlatformDbError('DB_URL', `--db: expected a URL like postgres://user@host:5432/database, got ${redactUrl(url)}`);
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') throw new PlatformDbError('DB_URL', `--db: expected a postgres:// or postgresql:// URL, got ${u.protocol}// (${redactUrl(url)})`);
  if (!u.hostname || u.pathname.length <= 1) throw new PlatformDbError('DB_URL', `--db: expected a host and a database name, got ${redactUrl(url)}`);
  return u;
}

/** A pg error (or a socket error) as a typed error; never the password, never a stack. */
export function dbError(err: unknown, url: string): PlatformDbError {
  if (err instanceof PlatformDbError) return err;
  const e = err as { code?: string; message?: string };
  const where = redactUrl(url);
  const msg = (e.message ?? String(err)).split(url).join(where);
  if (e.code === '28P01' || e.code === '28000') return new PlatformDbError('DB_AUTH', `${where}: the server refused the login (${msg})`, { cause: err });
  if (e.code === '3D000') return new PlatformDbError('DB_UNREACHABLE', `${where}: no such database (${msg})`, { cause: err });
  if (e.code && /^(ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|ECONNRESET|EAI_AGAIN|57P0[0-3])$/.test(e.code)) {
    return new PlatformDbError('DB_UNREACHABLE', `${where}: not reachable (${e.code})`, { cause: err });
  }
  if (/timeout/i.test(msg)) return new PlatformDbError('DB_UNREACHABLE', `${where}: not reachable (${msg})`, { cause: err });
  return new PlatformDbError('DB_FAILED', `${where}: ${e.code ? `${e.code} ` : ''}${msg}`, { cause: err });
}

export interface Db {
  pool: pg.Pool;
  /** The URL without its password, for messages. */
  where: string;
  url: string;
  close(): Promise<void>;
}

/** A pool whose first connection has been made (so a bad URL, host or login fails here). */
export async function openDb(url: string, options: DbOptions = {}): Promise<Db> {
  checkDbUrl(url);
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 4,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    application_name: options.applicationName ?? 'robot-id',
  });
  // An idle connection dropped by the server: the pool replaces it at next use; not fatal.
  pool.on('error', () => undefined);
  try {
    const c = await pool.connect();
    c.release();
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw dbError(err, url);
  }
  return { pool, where: redactUrl(url), url, close: () => pool.end() };
}

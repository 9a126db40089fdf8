import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { SunshareError } from '../errors.ts';
import { openDb, type Db } from './db.ts';
import { migrate } from './migrate.ts';

export type { Db, Dialect, Ledger, Params } from './db.ts';
export type * from './schema.ts';
export { openDb, toPgPlaceholders } from './db.ts';
export { migrate, migrationFiles, MIGRATIONS_DIR } from './migrate.ts';

/** Default ledger location when neither --ledger nor DATABASE_URL is given. */
export const DEFAULT_LEDGER = 'data/ledger.sqlite';

export function ledgerUrl(explicit?: string): string {
  // an empty value counts as not given (an empty SQLite path would be a throw-away temporary database)
  return explicit || process.env.DATABASE_URL || DEFAULT_LEDGER;
}

export interface OpenLedgerOptions {
  /**
   * Refuse a ledger that does not exist yet (a SQLite file that is not there,
   * a PostgreSQL database without the ledger's tables) instead of making an
   * empty one: every finance command opens with this, only `sunshare ledger
   * create` (createLedger) makes a ledger.
   */
  mustExist?: boolean;
}

/** Opens the ledger and brings its schema up to date. */
export async function openLedger(url = ledgerUrl(), opts: OpenLedgerOptions = {}): Promise<Db> {
  if (opts.mustExist) await checkLedgerExists(url);
  if (!/^postgres/.test(url)) mkdirFor(url);
  const db = await openDb(url);
  try {
    if (opts.mustExist && url !== ':memory:' && !(await hasLedgerTables(db))) throw missing(url, 'has no ledger tables (it was never created as a ledger)');
    await migrate(db);
  } catch (err) {
    await db.close();
    throw err;
  }
  return db;
}

/**
 * The explicit create step (`sunshare ledger create`): makes the ledger. One
 * that is already there is refused, or with `existsOk` (deployments that run
 * the step on every start) brought up to date and left as it is.
 */
export async function createLedger(url: string, opts: { existsOk?: boolean } = {}): Promise<{ created: boolean; applied: string[] }> {
  const pgUrl = /^postgres/.test(url);
  const fileThere = url !== ':memory:' && !pgUrl && existsSync(sqlitePath(url));
  if (fileThere && !opts.existsOk) throw new SunshareError('LEDGER_EXISTS', `ledger ${sqlitePath(url)} already exists; nothing changed`);
  if (!pgUrl) mkdirFor(url);
  const db = await openDb(url);
  try {
    const there = fileThere || (pgUrl && (await hasLedgerTables(db)));
    if (there && !opts.existsOk) throw new SunshareError('LEDGER_EXISTS', `ledger ${describeLedger(url)} already exists; nothing changed`);
    return { created: !there, applied: await migrate(db) };
  } finally {
    await db.close();
  }
}

/** A ledger for people: the SQLite path, or the PostgreSQL database and host without credentials. */
export function describeLedger(url: string): string {
  if (!/^postgres/.test(url)) return sqlitePath(url);
  try {
    const u = new URL(url);
    return `PostgreSQL database "${u.pathname.replace(/^\//, '') || '(default)'}" on ${u.host}`;
  } catch {
    return 'PostgreSQL database (unparsable URL)';
  }
}

const sqlitePath = (url: string) => url.replace(/^sqlite:(\/\/)?/, '');

function mkdirFor(url: string): void {
  if (url !== ':memory:') mkdirSync(dirname(sqlitePath(url)), { recursive: true });
}

function missing(url: string, why: string): SunshareError {
  return new SunshareError('LEDGER_MISSING', `ledger ${describeLedger(url)} ${why}; create it first with \`sunshare ledger create --ledger ${/^postgres/.test(url) ? '<url>' : sqlitePath(url)}\`, or give the path of the existing one with --ledger or DATABASE_URL`);
}

async function checkLedgerExists(url: string): Promise<void> {
  if (url === ':memory:' || /^postgres/.test(url)) return;
  if (!existsSync(sqlitePath(url))) throw missing(url, 'does not exist');
}

async function hasLedgerTables(db: Db): Promise<boolean> {
  const row =
    db.dialect === 'postgres'
      ? await db.get<{ t: string | null }>("SELECT to_regclass('schema_migrations')::text AS t")
      : await db.get<{ t: string | null }>("SELECT name AS t FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'");
  return !!row?.t;
}

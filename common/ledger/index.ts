import { openDb, type Db } from './db.ts';
import { migrate } from './migrate.ts';

export type { Db, Dialect, Ledger, Params } from './db.ts';
export type * from './schema.ts';
export { openDb, toPgPlaceholders } from './db.ts';
export { migrate, migrationFiles, MIGRATIONS_DIR } from './migrate.ts';

/** Default ledger location when neither --ledger nor DATABASE_URL is given. */
export const DEFAULT_LEDGER = 'data/ledger.sqlite';

export function ledgerUrl(explicit?: string): string {
  return explicit ?? process.env.DATABASE_URL ?? DEFAULT_LEDGER;
}

/** Opens the ledger and brings its schema up to date. */
export async function openLedger(url = ledgerUrl()): Promise<Db> {
  if (!/^postgres/.test(url) && url !== ':memory:') {
    const { mkdirSync } = await import('node:fs');
    const path = await import('node:path');
    mkdirSync(path.dirname(url), { recursive: true });
  }
  const db = await openDb(url);
  await migrate(db);
  return db;
}

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Db, Dialect } from './db.ts';

/**
 * Applies `migrations/NNN_name.sql` in order, once each, recorded in
 * schema_migrations. A file named `NNN_name.sqlite.sql` or
 * `NNN_name.postgres.sql` applies to that dialect only.
 *
 * Numbering by owner, so components add migrations without colliding:
 * 001-099 common (registry core), 100-199 ingest, 200-299 payout, 300-399 api.
 */
export const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

/** The bookkeeping table itself, created before any migration. */
export const SCHEMA_MIGRATIONS_DDL = 'CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT PRIMARY KEY, applied_at TEXT NOT NULL)';

/** The migration files that apply to a dialect, in order. */
export function migrationFiles(dialect: Dialect, dir = MIGRATIONS_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => /^\d{3}_[\w-]+(\.(sqlite|postgres))?\.sql$/.test(f))
    .filter((f) => !/\.(sqlite|postgres)\.sql$/.test(f) || f.endsWith(`.${dialect}.sql`))
    .sort();
}

export async function migrate(db: Db, dir = MIGRATIONS_DIR): Promise<string[]> {
  await db.exec(SCHEMA_MIGRATIONS_DDL);
  const done = new Set((await db.q.selectFrom('schema_migrations').select('version').execute()).map((r) => r.version));
  const applied: string[] = [];
  for (const file of migrationFiles(db.dialect, dir)) {
    const version = file.replace(/\.sql$/, '');
    if (done.has(version)) continue;
    const sql = readFileSync(join(dir, file), 'utf8');
    await db.transaction(async (tx) => {
      await tx.exec(sql);
      await tx.q.insertInto('schema_migrations').values({ version, applied_at: new Date().toISOString() }).execute();
    });
    applied.push(version);
  }
  return applied;
}

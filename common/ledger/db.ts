import Database from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { SunshareError } from '../errors.ts';
import type { Database as Schema } from './schema.ts';

/**
 * The ledger's database, SQLite (a file, the default) or PostgreSQL (a
 * `postgres://` URL), behind one small async interface so the same SQL and
 * code serve both. SQL is written portably with `?` placeholders; for
 * PostgreSQL they are rewritten to `$1, $2, ...`.
 *
 * Portable SQL here means: TEXT, BIGINT, INTEGER, DOUBLE PRECISION; dates as
 * 'YYYY-MM-DD' TEXT and instants as ISO-8601 TEXT or epoch-ms BIGINT;
 * ON CONFLICT ... DO NOTHING/UPDATE; RETURNING.
 *
 * Queries go through `db.q`, a Kysely query builder typed by the generated
 * `schema.ts` (see schema-gen.ts), so every table and column is checked at
 * compile time. Inside `db.transaction(fn)`, use the `tx.q` handed to `fn`
 * (never Kysely's own `q.transaction()`, which neither joins an outer
 * transaction nor takes SQLite's transaction queue). The untyped
 * `all/get/run/runMany/exec` remain for migrations and test set-up.
 */
export type Dialect = 'sqlite' | 'postgres';
export type Params = readonly unknown[];

export type Ledger = Kysely<Schema>;

export interface Db {
  readonly dialect: Dialect;
  /** The typed query builder on this connection (inside a transaction: on the transaction). */
  readonly q: Ledger;
  all<T = Record<string, unknown>>(sql: string, params?: Params): Promise<T[]>;
  get<T = Record<string, unknown>>(sql: string, params?: Params): Promise<T | undefined>;
  run(sql: string, params?: Params): Promise<{ changes: number }>;
  /** Runs one statement for many parameter rows (a prepared statement on SQLite). */
  runMany(sql: string, rows: readonly Params[]): Promise<{ changes: number }>;
  /** Several statements separated by `;`, no parameters (migrations). */
  exec(sql: string): Promise<void>;
  /** All or nothing: a throw inside rolls everything back. Nested calls join the outer transaction. */
  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

// int8 (BIGINT, COUNT) as a JS number: fen and Wh totals stay far below 2^53.
pg.types.setTypeParser(20, (v) => Number(v));
pg.types.setTypeParser(1700, (v) => Number(v));

/** `postgres://...` or `postgresql://...` opens PostgreSQL; anything else is a SQLite file path (or `:memory:`). */
export async function openDb(url: string): Promise<Db> {
  if (/^postgres(ql)?:\/\//.test(url)) return openPostgres(url);
  return openSqlite(url.replace(/^sqlite:(\/\/)?/, ''));
}

/** Rewrites `?` placeholders to `$n`, leaving quoted text alone. */
export function toPgPlaceholders(sql: string): string {
  let n = 0;
  let out = '';
  let quote: string | null = null;
  for (const ch of sql) {
    if (quote) {
      if (ch === quote) quote = null;
      out += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      out += ch;
    } else if (ch === '?') {
      out += `$${++n}`;
    } else {
      out += ch;
    }
  }
  return out;
}

function sqliteParams(params: Params): unknown[] {
  return params.map((p) => (typeof p === 'boolean' ? (p ? 1 : 0) : p instanceof Date ? p.toISOString() : p));
}

function openSqlite(file: string): Db {
  let sqlite: Database.Database;
  try {
    sqlite = new Database(file);
  } catch (err) {
    throw new SunshareError('LEDGER_OPEN_FAILED', `cannot open SQLite ledger ${file}: ${(err as Error).message}`, { cause: err });
  }
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const stmts = new Map<string, Database.Statement>();
  const prepare = (sql: string) => {
    let s = stmts.get(sql);
    if (!s) {
      // Kysely's multi-row inserts make many texts: a bounded cache
      if (stmts.size >= 1000) stmts.clear();
      s = sqlite.prepare(sql);
      stmts.set(sql, s);
    }
    return s;
  };
  // Kysely runs on the same single connection (inside db.transaction its queries join the open
  // transaction), through the same prepared-statement cache.
  const q = new Kysely<Schema>({ dialect: new SqliteDialect({ database: { prepare, close: () => sqlite.close() } }) });
  // One connection: transactions are serialized so two async callers never interleave inside one.
  let queue: Promise<unknown> = Promise.resolve();
  let depth = 0;

  const db: Db = {
    dialect: 'sqlite',
    q,
    async all<T>(sql: string, params: Params = []) {
      return prepare(sql).all(...sqliteParams(params)) as T[];
    },
    async get<T>(sql: string, params: Params = []) {
      return prepare(sql).get(...sqliteParams(params)) as T | undefined;
    },
    async run(sql, params = []) {
      const s = prepare(sql);
      if (!s.reader) return { changes: s.run(...sqliteParams(params)).changes };
      s.all(...sqliteParams(params));
      return { changes: 0 };
    },
    async runMany(sql, rows) {
      const s = prepare(sql);
      let changes = 0;
      const many = sqlite.transaction((all: readonly Params[]) => {
        for (const r of all) changes += s.run(...sqliteParams(r)).changes;
      });
      if (sqlite.inTransaction) for (const r of rows) changes += s.run(...sqliteParams(r)).changes;
      else many(rows);
      return { changes };
    },
    async exec(sql) {
      sqlite.exec(sql);
    },
    async transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
      if (depth > 0) return fn(db);
      const run = async () => {
        depth++;
        sqlite.exec('BEGIN IMMEDIATE');
        try {
          const result = await fn(db);
          sqlite.exec('COMMIT');
          return result;
        } catch (err) {
          if (sqlite.inTransaction) sqlite.exec('ROLLBACK');
          throw err;
        } finally {
          depth--;
        }
      };
      const p = queue.then(run, run);
      queue = p.catch(() => undefined);
      return p;
    },
    async close() {
      await queue;
      await q.destroy(); // closes the better-sqlite3 connection
    },
  };
  return db;
}

type PgQueryable = pg.Pool | pg.PoolClient;

/** Kysely on one transaction's client: every query runs on it, releasing is the transaction's business. */
function kyselyOnClient(client: pg.PoolClient): Ledger {
  const pool = {
    connect: async () => ({ query: client.query.bind(client), release: () => undefined }),
    end: async () => undefined,
  };
  return new Kysely<Schema>({ dialect: new PostgresDialect({ pool: pool as unknown as pg.Pool }) });
}

function pgDb(q: PgQueryable, inTx: boolean, pool: pg.Pool, kysely: Ledger): Db {
  const query = async (sql: string, params: Params) => q.query(toPgPlaceholders(sql), params as unknown[]);
  const db: Db = {
    dialect: 'postgres',
    q: kysely,
    async all<T>(sql: string, params: Params = []) {
      return (await query(sql, params)).rows as T[];
    },
    async get<T>(sql: string, params: Params = []) {
      return (await query(sql, params)).rows[0] as T | undefined;
    },
    async run(sql, params = []) {
      return { changes: (await query(sql, params)).rowCount ?? 0 };
    },
    async runMany(sql, rows) {
      const text = toPgPlaceholders(sql);
      const work = async (c: PgQueryable) => {
        let changes = 0;
        for (const r of rows) changes += (await c.query(text, r as unknown[])).rowCount ?? 0;
        return changes;
      };
      if (inTx) return { changes: await work(q) };
      return { changes: await db.transaction(async (tx) => (await tx.runMany(sql, rows)).changes) };
    },
    async exec(sql) {
      await q.query(sql);
    },
    async transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
      if (inTx) return fn(db);
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn(pgDb(client, true, pool, kyselyOnClient(client)));
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
    async close() {
      if (inTx) return;
      await kysely.destroy(); // ends the pool, if Kysely ever used it
      if (!pool.ended) await pool.end(); // a ledger closed before any typed query
    },
  };
  return db;
}

async function openPostgres(url: string): Promise<Db> {
  const pool = new pg.Pool({ connectionString: url, max: 8 });
  try {
    await pool.query('SELECT 1');
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw new SunshareError('LEDGER_OPEN_FAILED', `cannot connect to PostgreSQL ledger: ${(err as Error).message}`, { cause: err });
  }
  return pgDb(pool, false, pool, new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) }));
}

import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isSunshareError } from '../errors.ts';
import { createPgDatabase, postgresAvailable } from '../testing/index.ts';
import { createLedger, describeLedger, openLedger } from './index.ts';

const pgUp = await postgresAvailable();

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (isSunshareError(err)) return `${err.code}: ${err.message}`;
    throw err;
  }
  return 'no error';
}

describe('the ledger create step (SQLite)', () => {
  it('refuses to open a ledger file that does not exist, naming it, and leaves no file behind', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'sunshare-ledger-')), 'sub', 'ledger.sqlite');
    expect(await codeOf(openLedger(file, { mustExist: true }))).toMatch(new RegExp(`^LEDGER_MISSING: ledger ${file} does not exist; create it first with \`sunshare ledger create --ledger ${file}\``));
    expect(existsSync(file)).toBe(false);
  });

  it('refuses a file that is not a ledger (no ledger tables) and does not turn it into one', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'sunshare-ledger-')), 'empty.sqlite');
    writeFileSync(file, '');
    expect(await codeOf(openLedger(file, { mustExist: true }))).toMatch(/^LEDGER_MISSING: ledger .*empty\.sqlite has no ledger tables/);
    const raw = await (await import('./db.ts')).openDb(file);
    expect(await raw.all("SELECT name FROM sqlite_master WHERE type = 'table'")).toEqual([]);
    await raw.close();
  });

  it('creates once, refuses a second create, and then opens with mustExist', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'sunshare-ledger-')), 'ledger.sqlite');
    const made = await createLedger(file);
    expect(made.created).toBe(true);
    expect(made.applied).toContain('001_sites');
    expect(await codeOf(createLedger(file))).toBe(`LEDGER_EXISTS: ledger ${file} already exists; nothing changed`);
    expect(await createLedger(file, { existsOk: true })).toEqual({ created: false, applied: [] });
    const db = await openLedger(file, { mustExist: true });
    expect(await db.get('SELECT COUNT(*) AS n FROM sites')).toEqual({ n: 0 });
    await db.close();
  });
});

describe.skipIf(!pgUp)('the ledger create step (PostgreSQL)', () => {
  it('refuses a database whose ledger was never created, naming the database and not its password, then opens it once created', async () => {
    const pg = await createPgDatabase('sunshare_create');
    try {
      const name = new URL(pg.url).pathname.slice(1);
      expect(describeLedger(pg.url.replace('//', '//user:secret@'))).not.toContain('secret');
      expect(await codeOf(openLedger(pg.url, { mustExist: true }))).toMatch(new RegExp(`^LEDGER_MISSING: ledger PostgreSQL database "${name}" on [^ ]+ has no ledger tables`));
      const made = await createLedger(pg.url);
      expect(made.created).toBe(true);
      expect(await codeOf(createLedger(pg.url))).toMatch(/^LEDGER_EXISTS: ledger PostgreSQL database .* already exists; nothing changed/);
      const db = await openLedger(pg.url, { mustExist: true });
      expect(await db.get('SELECT COUNT(*)::int AS n FROM sites')).toEqual({ n: 0 });
      await db.close();
    } finally {
      await pg.drop();
    }
  });
});

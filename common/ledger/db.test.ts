import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestLedger, postgresAvailable, type TestLedger } from '../testing/index.ts';
import { toPgPlaceholders, type Db } from './index.ts';

const pgUp = await postgresAvailable();

describe('placeholders', () => {
  it('rewrites ? to $n outside quotes only', () => {
    expect(toPgPlaceholders("SELECT * FROM t WHERE a = ? AND b = '?' AND c = ?")).toBe("SELECT * FROM t WHERE a = $1 AND b = '?' AND c = $2");
  });
});

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe.skipIf(dialect === 'postgres' && !pgUp)(`ledger database on ${dialect}`, () => {
    let db: Db;
    let ledger: TestLedger | undefined;
    beforeAll(async () => {
      ledger = await openTestLedger(dialect);
      db = ledger.db;
    });
    afterAll(async () => {
      await ledger?.close();
    });

    it('applies migrations once', async () => {
      const rows = await db.all<{ version: string }>('SELECT version FROM schema_migrations ORDER BY version');
      expect(rows.map((r) => r.version)).toContain('001_sites');
      const again = await import('./migrate.ts').then((m) => m.migrate(db));
      expect(again).toEqual([]);
    });

    it('round-trips BIGINT values as numbers', async () => {
      await db.run('INSERT INTO sites (id, name, capacity_w) VALUES (?, ?, ?)', ['s1', 'Site 1', 4_000_000_000_000]);
      const row = await db.get<{ capacity_w: number }>('SELECT capacity_w FROM sites WHERE id = ?', ['s1']);
      expect(row?.capacity_w).toBe(4_000_000_000_000);
    });

    it('rolls a failed transaction back entirely', async () => {
      await expect(
        db.transaction(async (tx) => {
          await tx.run('INSERT INTO sites (id, name, capacity_w) VALUES (?, ?, ?)', ['s2', 'Site 2', 300_000]);
          await tx.run('INSERT INTO sites (id, name, capacity_w) VALUES (?, ?, ?)', ['s2', 'duplicate', 300_000]);
        }),
      ).rejects.toThrow();
      expect(await db.get('SELECT id FROM sites WHERE id = ?', ['s2'])).toBeUndefined();
    });

    it('runs typed queries on the transaction, nested ones joining the outer', async () => {
      await expect(
        db.transaction(async (tx) => {
          await tx.q.insertInto('sites').values({ id: 's3', name: 'Site 3', capacity_w: 5_000_000_000_000 }).execute();
          await tx.transaction(async (inner) => {
            expect(await inner.q.selectFrom('sites').select('capacity_w').where('id', '=', 's3').executeTakeFirst()).toEqual({ capacity_w: 5_000_000_000_000 });
          });
          throw new Error('roll back');
        }),
      ).rejects.toThrow('roll back');
      expect(await db.q.selectFrom('sites').select('id').where('id', '=', 's3').executeTakeFirst()).toBeUndefined();
      const { n } = await db.q.selectFrom('sites').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      expect(n).toBe(1);
    });

    it('inserts many rows in one call', async () => {
      const rows = Array.from({ length: 50 }, (_, i) => ['s1', `inv${i}`, 'inverter']);
      const { changes } = await db.runMany('INSERT INTO devices (site_id, id, kind) VALUES (?, ?, ?)', rows);
      expect(changes).toBe(50);
      const n = await db.get<{ n: number }>('SELECT COUNT(*) AS n FROM devices WHERE site_id = ?', ['s1']);
      expect(n?.n).toBe(50);
    });
  });
}

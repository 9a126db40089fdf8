import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../common/ledger/index.ts';
import { openTestLedger, postgresAvailable, type TestLedger } from '../../common/testing/index.ts';
import { putMonthEnergy, seedSites } from '../payments/testing/scene.ts';
import { runSettlement } from '../settle/run.ts';
import { importReceipts } from './import.ts';
import { splitSigned } from './split.ts';

const pgUp = await postgresAvailable();
const HEAD = 'kind,site_id,period_from,period_to,kwh,amount_yuan,reference,received_on';

describe('splitSigned', () => {
  it('splits a negative difference like a positive one, and gives the company everything when nothing accrued', () => {
    expect(splitSigned(-1000, [1, 1, 1])).toEqual([-334, -333, -333]);
    expect(splitSigned(7, [0, 0, 0])).toEqual([0, 0, 7]);
    expect(splitSigned(10, [3, 0, 1]).reduce((a, x) => a + x, 0)).toBe(10);
  });
});

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe.skipIf(dialect === 'postgres' && !pgUp)(`receipts on ${dialect}`, () => {
    let ledger: TestLedger | undefined;
    let db: Db;
    const dir = mkdtempSync(join(tmpdir(), 'sunshare-receipts-'));
    const file = (name: string, rows: string[]) => {
      const f = join(dir, name);
      writeFileSync(f, [HEAD, ...rows].join('\n'));
      return f;
    };
    beforeAll(async () => {
      ledger = await openTestLedger(dialect, 'sunshare_receipts');
      db = ledger.db;
      await seedSites(db, 2, 2, '2024-01-01');
      await putMonthEnergy(db, ['pv001', 'pv002'], '2024-01', () => 10_000);
      await runSettlement(db, { from: '2024-01-01', to: '2024-01-31', now: new Date('2024-02-01T00:00:00Z') });
    });
    afterAll(async () => {
      await ledger?.close();
    });

    it('lists every bad row with file, line and column, and imports nothing', async () => {
      const f = file('bad.csv', ['grid,pv001,2024-01,2024-01,310,140.43,G1,2024-02-05', 'grid,nowhere,2024-13,2024-01,,1.234,,yesterday', 'refund,pv001,2024-01,2024-01,,1,R1,2024-02-05']);
      const err = (await importReceipts(db, [f]).then(
        () => ({ code: 'imported', details: [] }),
        (e: unknown) => e,
      )) as { code: string; details: string[] };
      expect(err.code).toBe('RECEIPTS_INVALID');
      expect(err.details).toEqual(
        expect.arrayContaining([
          'bad.csv line 3 column site_id: unknown site "nowhere"',
          'bad.csv line 3 column period_from: "2024-13" is not a month YYYY-MM',
          'bad.csv line 3 column kwh: a grid statement gives the kWh it bills',
          'bad.csv line 3 column amount_yuan: "1.234" is not an amount of yuan (at most 2 decimals, not negative)',
          'bad.csv line 3 column reference: empty: every receipt has its bank or statement reference',
          'bad.csv line 3 column received_on: "yesterday" is not a date YYYY-MM-DD',
          'bad.csv line 4 column kind: "refund" is not grid or subsidy',
        ]),
      );
      expect(await db.q.selectFrom('receipts').selectAll().execute()).toEqual([]);
    });

    it('reconciles a matching statement to the fen and refuses a second one for the same site-month', async () => {
      // 310 kWh at 0.453 = 140.43 yuan, as settled
      const r = await importReceipts(db, [file('ok.csv', ['grid,pv001,2024-01,2024-01,310,140.43,G1,2024-02-05'])]);
      expect(r.checks).toMatchObject([{ site_id: 'pv001', month: '2024-01', accrued_fen: 14_043, received_fen: 14_043, difference_fen: 0, rule: 'match' }]);
      await expect(importReceipts(db, [file('twice.csv', ['grid,pv001,2024-01,2024-01,310,140.43,G1-bis,2024-02-06'])])).rejects.toMatchObject({
        code: 'RECEIPTS_INVALID',
        details: ['twice.csv line 2: grid for site pv001 in 2024-01 was received before'],
      });
    });

    it('spreads a subsidy batch over the sites by what accrued, skipping site-months already received', async () => {
      await importReceipts(db, [file('s1.csv', ['subsidy,pv001,2024-01,2024-01,,163.37,S1,2024-06-01'])]);
      // pv002 accrued 310 kWh x 0.527 = 163.37 yuan; the batch brings 160.00 for it alone
      const r = await importReceipts(db, [file('batch.csv', ['subsidy,,2024-01,2024-01,,160.00,SB,2024-07-01'])]);
      expect(r.checks.map((c) => [c.site_id, c.received_fen, c.difference_fen, c.rule])).toEqual([['pv002', 16_000, -337, 'amount_adjustment']]);
      const adj = await db.q.selectFrom('receipt_adjustments').select(['household_id', 'amount_fen', 'payable_month']).where('receipt_id', '=', 'subsidy//SB').orderBy('household_id').execute();
      expect(adj.reduce((a, x) => a + Number(x.amount_fen), 0)).toBe(-337);
      expect(adj.map((a) => a.household_id)).toEqual(['', 'pv002-h01', 'pv002-h02']);
      expect(adj.every((a) => a.payable_month === '2024-07')).toBe(true);
    });
  });
}

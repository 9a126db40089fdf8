import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { openLedger } from '../../common/ledger/index.ts';
import { createPgDatabase, postgresAvailable } from '../../common/testing/index.ts';
import { runSettlement } from '../settle/run.ts';
import { approveMonth, draftMonth, postMonth } from '../workflow/month.ts';
import { APPROVER, PREPARER, putMonthEnergy, seedSites } from './testing/scene.ts';

const pgUp = await postgresAvailable();
const run = promisify(execFile);
const child = join(import.meta.dirname, 'testing', 'pay-child.ts');

interface Outcome { ok: boolean; items?: number; code?: string }

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe.skipIf(dialect === 'postgres' && !pgUp)(`paying and approving a month on ${dialect}`, () => {
    it('pays a month exactly once when two processes pay it at the same moment', async () => {
      const pg = dialect === 'postgres' ? await createPgDatabase('sunshare_payonce') : undefined;
      const url = pg?.url ?? join(mkdtempSync(join(tmpdir(), 'sunshare-payonce-')), 'ledger.sqlite');
      try {
        const db = await openLedger(url);
        await seedSites(db, 3, 20, '2024-01-01');
        await putMonthEnergy(db, ['pv001', 'pv002', 'pv003'], '2024-01', () => 40_000);
        await runSettlement(db, { from: '2024-01-01', to: '2024-01-31', now: new Date('2024-02-01T00:00:00Z') });
        await draftMonth(db, '2024-01', PREPARER, new Date('2024-02-01T00:00:00Z'));
        await postMonth(db, '2024-01', PREPARER, 0, new Date('2024-02-01T00:00:00Z'));
        await approveMonth(db, '2024-01', APPROVER, new Date('2024-02-01T00:00:00Z'));
        await db.close();
        const startAt = String(Date.now() + 1500); // both processes open the ledger, then start together
        const outcomes = await Promise.all(
          [1, 2].map(async () => JSON.parse((await run(process.execPath, [child, url, '2024-01', startAt], { timeout: 60_000 })).stdout.trim()) as Outcome),
        );
        const ok = outcomes.filter((o) => o.ok);
        expect(ok, JSON.stringify(outcomes)).toHaveLength(1);
        expect(ok[0]!.items).toBe(60);
        expect(outcomes.find((o) => !o.ok)!.code).toBe('MONTH_ALREADY_PAID');
        const check = await openLedger(url);
        try {
          const items = await check.q.selectFrom('payment_items').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
          expect(Number(items!.n)).toBe(60);
          const batches = await check.q.selectFrom('payout_month_steps').select('actor').where('step', '=', 'batch').execute();
          expect(batches).toHaveLength(1);
        } finally {
          await check.close();
        }
      } finally {
        await pg?.drop();
      }
    }, 60_000);

    it('approves a month once when two approvers approve it at the same moment', async () => {
      const pg = dialect === 'postgres' ? await createPgDatabase('sunshare_approveonce') : undefined;
      const url = pg?.url ?? join(mkdtempSync(join(tmpdir(), 'sunshare-approveonce-')), 'ledger.sqlite');
      try {
        const db = await openLedger(url);
        await seedSites(db, 1, 5, '2024-01-01');
        await putMonthEnergy(db, ['pv001'], '2024-01', () => 40_000);
        await runSettlement(db, { from: '2024-01-01', to: '2024-01-31', now: new Date('2024-01-28T00:00:00Z') });
        await draftMonth(db, '2024-01', PREPARER, new Date('2024-01-28T00:00:00Z'));
        await postMonth(db, '2024-01', PREPARER, 0, new Date('2024-01-28T00:00:00Z'));
        await db.close();
        const startAt = String(Date.now() + 1500);
        const outcomes = await Promise.all(
          [1, 2].map(async () => JSON.parse((await run(process.execPath, [child, url, '2024-01', startAt, 'approve'], { timeout: 60_000 })).stdout.trim()) as Outcome),
        );
        expect(outcomes.filter((o) => o.ok), JSON.stringify(outcomes)).toHaveLength(1);
        // the other finds it approved, or the month being closed under the settlement lock
        expect(['MONTH_STEP_REFUSED', 'PAYOUT_LOCKED']).toContain(outcomes.find((o) => !o.ok)!.code);
        const check = await openLedger(url);
        try {
          expect(await check.q.selectFrom('payout_month_steps').select('actor').where('step', '=', 'approved').execute()).toHaveLength(1);
          expect(await check.q.selectFrom('payout_months').select('month').execute()).toEqual([{ month: '2024-01' }]);
        } finally {
          await check.close();
        }
      } finally {
        await pg?.drop();
      }
    }, 60_000);
  });
}

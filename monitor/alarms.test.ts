import { afterEach, describe, expect, it } from 'vitest';
import { openTestLedger, postgresAvailable, type TestLedger } from '../common/testing/index.ts';
import { AlarmEngine } from './alarms/engine.ts';
import { acknowledgeAlarm, listAlarms } from './alarms/store.ts';
import type { Condition } from './detect/condition.ts';
import { valueLoss } from './loss/value.ts';

const pgUp = await postgresAvailable();
let ledger: TestLedger | undefined;
afterEach(async () => {
  await ledger?.close();
  ledger = undefined;
});

const offline: Condition = { key: 'device_offline:s1:inv1::', kind: 'device_offline', severity: 'major', site: 's1', device: 'inv1', message: 'inv1 offline', details: {}, stopsGeneration: true };

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe.skipIf(dialect === 'postgres' && !pgUp)(`alarm lifecycle on ${dialect}`, () => {
    it('raises once, picks up an acknowledgement, clears after clearCycles absent cycles, with start and end', async () => {
      ledger = await openTestLedger(dialect, 'monalarm');
      const engine = new AlarmEngine(ledger.db, 2);
      const raised = await engine.step([offline], 1000);
      expect(raised.map((c) => c.type)).toEqual(['raised']);
      expect(await engine.step([offline], 2000)).toEqual([]);
      await acknowledgeAlarm(ledger.db, raised[0]!.alarm.id, 'li.wei', 2500);
      const acked = await engine.step([offline], 3000);
      expect(acked).toMatchObject([{ type: 'acknowledged', alarm: { acknowledgedBy: 'li.wei', acknowledgedAt: 2500 } }]);
      expect(await engine.step([], 4000)).toEqual([]); // one absent cycle: not yet
      const cleared = await engine.step([], 5000);
      expect(cleared).toMatchObject([{ type: 'cleared', alarm: { clearedAt: 5000 } }]);
      const { items } = await listAlarms(ledger.db, { status: 'all' });
      expect(items).toMatchObject([{ raisedAt: 1000, acknowledgedBy: 'li.wei', acknowledgedAt: 2500, clearedAt: 5000 }]);
      // the same problem again later is a new alarm
      expect((await engine.step([offline], 6000)).map((c) => c.type)).toEqual(['raised']);
      expect((await listAlarms(ledger.db, { status: 'all' })).total).toBe(2);
    });

    it('keeps an open alarm across a restart of the monitor (no second raise)', async () => {
      ledger = await openTestLedger(dialect, 'monalarm');
      await new AlarmEngine(ledger.db, 1).step([offline], 1000);
      const again = new AlarmEngine(ledger.db, 1);
      await again.load();
      expect(await again.step([offline], 2000)).toEqual([]);
      expect((await again.step([], 3000)).map((c) => c.type)).toEqual(['cleared']);
    });

    it('keeps an alarm open while its condition cannot be told (a restarted monitor not yet hearing from the device)', async () => {
      ledger = await openTestLedger(dialect, 'monalarm');
      await new AlarmEngine(ledger.db, 1).step([offline], 1000);
      const restarted = new AlarmEngine(ledger.db, 1);
      await restarted.load();
      expect(await restarted.step([], 2000, (a) => a.device === 'inv1')).toEqual([]);
      expect((await restarted.step([], 3000, () => false)).map((c) => c.type)).toEqual(['cleared']);
    });

    it("values lost energy at the site's tariff and splits it by the settlement's rule, exactly", async () => {
      ledger = await openTestLedger(dialect, 'monalarm');
      const db = ledger.db;
      await db.q.insertInto('sites').values({ id: 's1', name: 'S1', capacity_w: 100_000 }).execute();
      await db.q.insertInto('households').values(Array.from({ length: 20 }, (_, i) => ({ id: `h${i}`, name: `h${i}` }))).execute();
      await db.q.insertInto('allocations').values(Array.from({ length: 20 }, (_, i) => ({ id: `a${String(i).padStart(2, '0')}`, household_id: `h${i}`, site_id: 's1', share_w: 3000, valid_from: '2026-01-01' }))).execute();
      await db.q.insertInto('tariffs').values({ site_id: 's1', valid_from: '2026-01-01', grid_rate: 45_300, subsidy_rate: 37_000 }).execute();
      const loss = await valueLoss(db, 's1', '2026-06-21', 100_000);
      // 100 kWh x 0.823 yuan = 82.30 yuan; households hold 60 of 100 kW
      expect(loss).toEqual({ lostWh: 100_000, lostFen: 8230, householdsFen: 4938, companyFen: 3292, households: 20 });
      expect((await valueLoss(db, 's1', '2025-06-21', 100_000)).lostFen).toBe(0); // before any tariff
    });
  });
}

import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../common/ledger/index.ts';
import { openTestLedger, postgresAvailable, type TestLedger } from '../common/testing/index.ts';
import { buildApp } from './app.ts';
import { createToken } from './auth/tokens.ts';
import { batchFor } from './fixtures.ts';
import { LiveStatusStore } from './live/store.ts';
import type { ErrorBody } from './errors.ts';

const pgUp = await postgresAvailable();
const auth = (token: string) => ({ authorization: `Bearer ${token}` });
interface AlarmView { id: string; kind: string; acknowledgedBy?: string; acknowledgedAt?: number; clearedAt?: number; lost: { wh: number; fen: number; householdsFen: number; companyFen: number; households: number; text: string } }

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe.skipIf(dialect === 'postgres' && !pgUp)(`/alarms over a ${dialect} ledger`, () => {
    let db: Db;
    let ledger: TestLedger | undefined;
    let app: FastifyInstance;
    const tokens: Record<string, string> = {};

    beforeAll(async () => {
      ledger = await openTestLedger(dialect, 'alarms');
      db = ledger.db;
      await db.q
        .insertInto('alarms')
        .values([
          { id: 'a-open', alarm_key: 'device_offline:s1:inv1::', kind: 'device_offline', severity: 'major', site_id: 's1', device_id: 'inv1', message: 'inv1 offline', stops_generation: 1, raised_at: 1000, cleared_at: null, lost_wh: 12_345, lost_fen: 1012, households_fen: 810, company_fen: 202, households: 20 },
          { id: 'a-done', alarm_key: 'inverter_stuck:s1:inv2::', kind: 'inverter_stuck', severity: 'major', site_id: 's1', device_id: 'inv2', message: 'inv2 stuck', stops_generation: 0, raised_at: 500, cleared_at: 900, lost_wh: 0, lost_fen: 0, households_fen: 0, company_fen: 0, households: 0 },
          { id: 'a-other', alarm_key: 'device_offline:s2:inv1::', kind: 'device_offline', severity: 'major', site_id: 's2', device_id: 'inv1', message: 'inv1 offline', stops_generation: 1, raised_at: 2000, cleared_at: null, lost_wh: 0, lost_fen: 0, households_fen: 0, company_fen: 0, households: 0 },
        ])
        .execute();
      for (const role of ['viewer', 'operator'] as const) tokens[role] = (await createToken(db, role, `${role}-alarms`)).token;
      const live = new LiveStatusStore();
      live.applyTelemetry(batchFor('s1', 1, 4242, 1000, 1, 1)); // site s1's newest reading: the data clock
      app = await buildApp({ db, live });
    });
    afterAll(async () => {
      await app?.close();
      await ledger?.close();
    });

    it('lists open alarms by default, newest first, with their lost money in words', async () => {
      const r = await app.inject({ url: '/alarms', headers: auth(tokens.viewer!) });
      expect(r.statusCode).toBe(200);
      const page = r.json<{ total: number; items: AlarmView[] }>();
      expect(page.items.map((a) => a.id)).toEqual(['a-other', 'a-open']);
      expect(page.items[1]!.lost).toMatchObject({ wh: 12_345, fen: 1012, householdsFen: 810, companyFen: 202, households: 20 });
      expect(page.items[1]!.lost.text).toBe('12.3 kWh lost: cost the 20 households ¥8.10, ¥0.41 each, and the company ¥2.02');
    });

    it('filters by status and site', async () => {
      const all = await app.inject({ url: '/alarms?status=all&site=s1', headers: auth(tokens.viewer!) });
      expect(all.json<{ items: AlarmView[] }>().items.map((a) => a.id)).toEqual(['a-open', 'a-done']);
      const cleared = await app.inject({ url: '/alarms?status=cleared', headers: auth(tokens.viewer!) });
      expect(cleared.json<{ items: AlarmView[] }>().items.map((a) => a.id)).toEqual(['a-done']);
    });

    it('lets an operator acknowledge (who and when, first one stands), not a viewer', async () => {
      const viewer = await app.inject({ method: 'POST', url: '/alarms/a-open/acknowledge', headers: auth(tokens.viewer!) });
      expect(viewer.statusCode).toBe(403);
      const ok = await app.inject({ method: 'POST', url: '/alarms/a-open/acknowledge', headers: auth(tokens.operator!) });
      expect(ok.statusCode).toBe(200);
      expect(ok.json<AlarmView>()).toMatchObject({ id: 'a-open', acknowledgedBy: 'operator-alarms', acknowledgedAt: 4242 });
      const at = ok.json<AlarmView>().acknowledgedAt;
      const again = await app.inject({ method: 'POST', url: '/alarms/a-open/acknowledge', headers: auth(tokens.operator!) });
      expect(again.json<AlarmView>().acknowledgedAt).toBe(at);
      const audit = await db.q.selectFrom('audit_log').select(['action', 'target', 'actor']).where('action', '=', 'alarm.acknowledge').execute();
      expect(audit[0]).toMatchObject({ target: 'a-open', actor: 'operator-alarms' });
    });

    it('sums what generation alarms cost each site in its local month (the monthly site report)', async () => {
      await db.q.insertInto('sites').values([{ id: 's1', name: '乳城镇1号', capacity_w: 100_000 }, { id: 's2', name: '必背镇2号', capacity_w: 100_000 }]).execute();
      const july = Date.parse('2026-07-15T10:00:00+08:00');
      await db.q.updateTable('alarms').set({ raised_at: july }).where('id', 'in', ['a-open', 'a-other']).execute();
      await db.q.updateTable('alarms').set({ lost_wh: 1000, lost_fen: 82, households_fen: 49, company_fen: 33 }).where('id', '=', 'a-other').execute();
      const r = await app.inject({ url: '/alarms/losses?month=2026-07', headers: auth(tokens.viewer!) });
      expect(r.statusCode).toBe(200);
      expect(r.json()).toEqual({
        month: '2026-07',
        items: [
          { site: 's1', name: '乳城镇1号', alarms: 1, lostWh: 12_345, lostFen: 1012, householdsFen: 810, companyFen: 202 },
          { site: 's2', name: '必背镇2号', alarms: 1, lostWh: 1000, lostFen: 82, householdsFen: 49, companyFen: 33 },
        ],
      });
      const june = await app.inject({ url: '/alarms/losses?month=2026-06&site=s1', headers: auth(tokens.viewer!) });
      expect(june.json()).toEqual({ month: '2026-06', items: [{ site: 's1', name: '乳城镇1号', alarms: 0, lostWh: 0, lostFen: 0, householdsFen: 0, companyFen: 0 }] });
      expect((await app.inject({ url: '/alarms/losses?month=2026-13', headers: auth(tokens.viewer!) })).statusCode).toBe(400);
    });

    it('answers 404 with a stable code for an unknown alarm', async () => {
      const r = await app.inject({ method: 'POST', url: '/alarms/nope/acknowledge', headers: auth(tokens.operator!) });
      expect(r.statusCode).toBe(404);
      expect(r.json<ErrorBody>().error.code).toBe('MONITOR_ALARM_NOT_FOUND');
    });
  });
}

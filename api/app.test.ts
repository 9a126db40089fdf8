import { tmpdir } from 'node:os';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATUS_SCHEMA } from '../common/contract.ts';
import type { Db } from '../common/ledger/index.ts';
import { silentLogger } from '../common/log.ts';
import { openTestLedger, postgresAvailable, type TestLedger } from '../common/testing/index.ts';
import { buildApp } from './app.ts';
import { createToken, hashToken } from './auth/tokens.ts';
import type { ErrorBody } from './errors.ts';
import { batchFor, seedSites } from './fixtures.ts';
import { LiveStatusStore } from './live/store.ts';
import type { PayoutRun } from './payout-service.ts';
import { payoutServiceFor } from './payout-wiring.ts';
import ExcelJS from 'exceljs';

const pgUp = await postgresAvailable();
const tmpdirName = () => tmpdir();
const auth = (token: string) => ({ authorization: `Bearer ${token}` });

/** The JSON answers as the tests read them (only the fields they look at). */
interface Page<T> { total: number; items: T[] }
interface OpenApi { openapi: string; security: unknown; paths: Record<string, Record<string, { parameters?: { name: string }[]; requestBody?: unknown; security?: unknown }>> }

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe.skipIf(dialect === 'postgres' && !pgUp)(`API over a ${dialect} ledger`, () => {
    let db: Db;
    let ledger: TestLedger | undefined;
    let app: FastifyInstance;
    const live = new LiveStatusStore();
    const tokens: Record<string, string> = {};

    beforeAll(async () => {
      ledger = await openTestLedger(dialect);
      db = ledger.db;
      await seedSites(db, 5);
      await db.run("INSERT INTO households (id, name, town, village, id_card, bank_account) VALUES ('h1', '张三丰', 'town0', 'village0', '440232199001011234', '6222020200112233445')");
      await db.run("INSERT INTO allocations (id, household_id, site_id, share_w, valid_from) VALUES ('a1', 'h1', 's001', 3000, '2026-01-01')");
      await db.run("INSERT INTO tariffs (site_id, valid_from, grid_rate, subsidy_rate) VALUES ('s001', '2026-01-01', 45000, 53000)");
      await db.run(
        "INSERT INTO daily_energy (site_id, device_id, counter, day, revision, energy_wh, method, computed_at) VALUES ('s001', 'meter', 'export_energy_wh', '2026-06-01', 1, 1000, 'delta', 'x'), ('s001', 'meter', 'export_energy_wh', '2026-06-01', 2, 1200, 'delta', 'y'), ('s002', 'meter', 'export_energy_wh', '2026-06-02', 1, 700, 'delta', 'x')",
      );
      for (const role of ['viewer', 'operator', 'finance', 'admin'] as const) tokens[role] = (await createToken(db, role, `${role}-test`)).token;
      app = await buildApp({ db, live, authFailuresPerMinute: 5 });
    });
    afterAll(async () => {
      await app?.close();
      await ledger?.close();
    });

    it('refuses a missing token with 401 and a stable code, a bad one with 401, the wrong role with 403', async () => {
      const none = await app.inject({ url: '/sites', remoteAddress: '10.0.0.1' });
      expect(none.statusCode).toBe(401);
      expect(none.json<ErrorBody>().error.code).toBe('AUTH_MISSING');
      const bad = await app.inject({ url: '/sites', headers: auth('ssk_not-a-real-token'), remoteAddress: '10.0.0.1' });
      expect(bad.statusCode).toBe(401);
      expect(bad.json<ErrorBody>().error.code).toBe('AUTH_INVALID');
      const wrongRole = await app.inject({ method: 'POST', url: '/sites', headers: auth(tokens.viewer!), payload: { id: 'x1', name: 'X', capacityW: 1 } });
      expect(wrongRole.statusCode).toBe(403);
      expect(wrongRole.json<ErrorBody>().error).toMatchObject({ code: 'AUTH_FORBIDDEN' });
      expect(wrongRole.json<ErrorBody>().error.message).toContain('admin');
      const gw = await app.inject({ url: '/gateways', headers: auth(tokens.viewer!) });
      expect(gw.statusCode).toBe(403);
      expect((await app.inject({ url: '/gateways', headers: auth(tokens.operator!) })).statusCode).toBe(200);
    });

    it('stores only the hash of a token', async () => {
      const rows = await db.all<{ token_sha256: string }>('SELECT token_sha256 FROM api_tokens');
      expect(rows.map((r) => r.token_sha256)).toContain(hashToken(tokens.viewer!));
      expect(JSON.stringify(rows)).not.toContain(tokens.viewer!.slice(4));
    });

    it('rate-limits repeated failures from one address, and only that address', async () => {
      const ip = '10.9.9.9';
      for (let i = 0; i < 5; i++) expect((await app.inject({ url: '/sites', headers: auth(`ssk_guess${i}`), remoteAddress: ip })).statusCode).toBe(401);
      const limited = await app.inject({ url: '/sites', headers: auth(tokens.viewer!), remoteAddress: ip });
      expect(limited.statusCode).toBe(429);
      expect(limited.json<ErrorBody>().error.code).toBe('AUTH_RATE_LIMITED');
      expect(limited.headers['retry-after']).toBeDefined();
      expect((await app.inject({ url: '/sites', headers: auth(tokens.viewer!), remoteAddress: '10.9.9.10' })).statusCode).toBe(200);
    });

    it('pages and filters the site list', async () => {
      const page = await app.inject({ url: '/sites?limit=2&offset=1', headers: auth(tokens.viewer!) });
      expect(page.statusCode).toBe(200);
      expect(page.json()).toMatchObject({ total: 5, limit: 2, offset: 1 });
      expect(page.json<Page<{ id: string }>>().items.map((s) => s.id)).toEqual(['s002', 's003']);
      const town = await app.inject({ url: '/sites?town=town1', headers: auth(tokens.viewer!) });
      expect(town.json<Page<{ id: string }>>().items.map((s) => s.id)).toEqual(['s002', 's005']);
    });

    it('says which parameter is wrong and why', async () => {
      const res = await app.inject({ url: '/sites?limit=5000&status=maybe', headers: auth(tokens.viewer!) });
      expect(res.statusCode).toBe(400);
      const err = res.json<ErrorBody>().error;
      expect(err.code).toBe('REQUEST_INVALID');
      expect(err.details.join('\n')).toMatch(/limit.*500/);
      const missing = await app.inject({ url: '/sites/nope', headers: auth(tokens.viewer!) });
      expect(missing.statusCode).toBe(404);
      expect(missing.json<ErrorBody>().error.code).toBe('SITE_NOT_FOUND');
    });

    // a gateway whose disk is full holds batches in memory: the API shows it as the gateway said it
    const SPOOL_ON_A_FULL_DISK = { bytes: 0, batches: 0, evictedBatches: 0, memoryBatches: 3, memoryBytes: 24_576, memoryEvictedBatches: 1, memoryEvictedReadings: 32, writeFailures: 5, writeError: 'ENOSPC: no space left on device' };
    it('shows live status from gateway status and telemetry', async () => {
      const t0 = Date.parse('2026-06-01T02:00:00Z');
      live.applyStatus({ schema: STATUS_SCHEMA, site: 's001', gateway: 'gw1', online: true, ts: t0, spool: SPOOL_ON_A_FULL_DISK, clock: { jumps: 1, lastStepMs: -3_600_000, held: 7_200 }, devices: [{ device: 'inv1', ok: true, consecutiveErrors: 0 }, { device: 'inv2', ok: false, consecutiveErrors: 4, lastError: 'timeout' }] });
      live.applyTelemetry(batchFor('s001', 1, t0, 50_000, 1_000_000, 2_000_000));
      live.applyTelemetry(batchFor('s001', 2, t0 + 600_000, 60_000, 1_010_000, 2_029_000));
      const res = await app.inject({ url: '/sites/s001', headers: auth(tokens.viewer!) });
      expect(res.json()).toMatchObject({ id: 's001', online: true, powerW: 180_000, energyTodayWh: 29_000, day: '2026-06-01', expectedTodayWh: 821_918 });
      const online = await app.inject({ url: '/sites?status=online', headers: auth(tokens.viewer!) });
      expect(online.json()).toMatchObject({ total: 1, items: [{ id: 's001' }] });
      const failing = await app.inject({ url: '/devices?site=s001&health=failing', headers: auth(tokens.viewer!) });
      expect(failing.json<Page<unknown>>().items).toMatchObject([{ id: 'inv2', health: 'failing', consecutiveErrors: 4, acPowerW: 60_000 }]);
      const gateways = await app.inject({ url: '/gateways?site=s001', headers: auth(tokens.operator!) });
      expect(gateways.json<Page<unknown>>().items).toMatchObject([{ site: 's001', gateway: 'gw1', online: true, lastSeq: 2, spool: SPOOL_ON_A_FULL_DISK, clock: { jumps: 1, lastStepMs: -3_600_000, held: 7_200 } }]);
      const curve = await app.inject({ url: '/live/power', headers: auth(tokens.viewer!) });
      expect(curve.json<Page<{ site: string; points: unknown[] }>>().items.find((c) => c.site === 's001')!.points.length).toBeGreaterThan(0);
    });

    it('serves daily energy (current revision) with filters', async () => {
      const res = await app.inject({ url: '/daily-energy?site=s001', headers: auth(tokens.viewer!) });
      expect(res.json()).toMatchObject({ total: 1, items: [{ site: 's001', day: '2026-06-01', revision: 2, energyWh: 1200 }] });
      const range = await app.inject({ url: '/daily-energy?from=2026-06-02&to=2026-06-30', headers: auth(tokens.viewer!) });
      expect(range.json<Page<{ site: string }>>().items.map((r) => r.site)).toEqual(['s002']);
    });

    it('masks personal data of households', async () => {
      const res = await app.inject({ url: '/households', headers: auth(tokens.admin!) });
      expect(res.json<Page<unknown>>().items[0]).toEqual({ id: 'h1', name: '张**', town: 'town0', village: 'village0', idCard: '440***********1234', bankAccount: '***************3445' });
      expect(res.body).not.toContain('199001');
      const allocs = await app.inject({ url: '/allocations?site=s001&on=2026-06-01', headers: auth(tokens.viewer!) });
      expect(allocs.json<Page<unknown>>().items).toEqual([{ id: 'a1', household: 'h1', site: 's001', shareW: 3000, validFrom: '2026-01-01', validTo: null, reason: '' }]);
      const tariffs = await app.inject({ url: '/tariffs', headers: auth(tokens.viewer!) });
      expect(tariffs.json<Page<unknown>>().items[0]).toMatchObject({ site: 's001', gridRate: 45000, subsidyRate: 53000 });
    });

    it('records registry changes in the audit log: who, what, when', async () => {
      const created = await app.inject({ method: 'POST', url: '/sites', headers: auth(tokens.admin!), payload: { id: 'new1', name: '大桥镇一号', capacityW: 300_000, town: '大桥镇' } });
      expect(created.statusCode).toBe(201);
      expect(created.json()).toMatchObject({ id: 'new1', online: false, capacityW: 300_000 });
      const dup = await app.inject({ method: 'POST', url: '/sites', headers: auth(tokens.admin!), payload: { id: 'new1', name: 'again', capacityW: 1 } });
      expect(dup.statusCode).toBe(409);
      const patched = await app.inject({ method: 'PATCH', url: '/sites/new1', headers: auth(tokens.admin!), payload: { capacityW: 330_000 } });
      expect(patched.json<{ capacityW: number }>().capacityW).toBe(330_000);
      const dev = await app.inject({ method: 'POST', url: '/sites/new1/devices', headers: auth(tokens.admin!), payload: { id: 'inv1', kind: 'inverter', ratedPowerW: 110_000 } });
      expect(dev.statusCode).toBe(201);
      const extra = await app.inject({ method: 'POST', url: '/sites', headers: auth(tokens.admin!), payload: { id: 'x', name: 'x', capacityW: 1, color: 'red' } });
      expect(extra.statusCode).toBe(400);
      const log = await app.inject({ url: '/audit', headers: auth(tokens.admin!) });
      const actions = log.json<Page<{ action: string; actor: string; target: string }>>().items.map((e) => `${e.actor} ${e.action} ${e.target}`);
      expect(actions).toEqual(expect.arrayContaining(['admin-test site.create new1', 'admin-test site.update new1', 'admin-test device.create new1/inv1']));
      expect(log.json<Page<unknown>>().items).toHaveLength(3);
    });

    it('checks site and device writes as the registry does: time zone, capacity under allocations, unknown site', async () => {
      const zone = await app.inject({ method: 'POST', url: '/sites', headers: auth(tokens.admin!), payload: { id: 'tz1', name: 'x', capacityW: 1000, timeZone: 'Mars/Olympus' } });
      expect(zone.statusCode).toBe(400);
      expect(zone.json<ErrorBody>().error.code).toBe('SITE_TIME_ZONE_INVALID');
      const badPatch = await app.inject({ method: 'PATCH', url: '/sites/s001', headers: auth(tokens.admin!), payload: { timeZone: 'Nowhere/Land' } });
      expect(badPatch.json<ErrorBody>().error.code).toBe('SITE_TIME_ZONE_INVALID');
      // s001 has 3 kW allocated (a1)
      const shrink = await app.inject({ method: 'PATCH', url: '/sites/s001', headers: auth(tokens.admin!), payload: { capacityW: 2000 } });
      expect(shrink.statusCode).toBe(409);
      expect(shrink.json<ErrorBody>().error.code).toBe('SITE_CAPACITY_BELOW_ALLOCATED');
      expect((await app.inject({ url: '/sites/s001', headers: auth(tokens.viewer!) })).json<{ capacityW: number }>().capacityW).toBe(300_000);
      const missing = await app.inject({ method: 'PATCH', url: '/sites/nope', headers: auth(tokens.admin!), payload: { name: 'x' } });
      expect(missing.statusCode).toBe(404);
      const orphan = await app.inject({ method: 'POST', url: '/sites/nope/devices', headers: auth(tokens.admin!), payload: { id: 'inv1', kind: 'inverter' } });
      expect(orphan.statusCode).toBe(404);
      expect(orphan.json<ErrorBody>().error.code).toBe('SITE_NOT_FOUND');
    });

    it('serves OpenAPI generated from the route schemas, health and metrics', async () => {
      const spec = (await app.inject({ url: '/docs/json' })).json<OpenApi>();
      expect(spec.openapi).toMatch(/^3/);
      const params = spec.paths['/sites']!.get!.parameters!.map((p) => p.name);
      expect(params).toEqual(expect.arrayContaining(['limit', 'offset', 'town', 'status']));
      expect(spec.paths['/payout-runs']!.post!.requestBody).toBeDefined();
      expect(spec.paths['/health']!.get!.security).toEqual([]); // public
      expect(spec.security).toEqual([{ bearer: [] }]);
      expect((await app.inject({ url: '/docs' })).statusCode).toBeLessThan(400);
      expect((await app.inject({ url: '/health' })).json()).toMatchObject({ status: 'ok', ledger: dialect });
      const metrics = await app.inject({ url: '/metrics' });
      expect(metrics.body).toMatch(/sunshare_api_auth_failures_total\{reason="invalid"\} \d+/);
      expect(metrics.body).toContain('sunshare_api_requests_total{method="GET",route="/sites",status="200"}');
    });

    it('runs a payout through the API (finance, audited), shows progress and result, and serves its reports', async () => {
      const withPayout = await buildApp({ db, live, payout: await payoutServiceFor(db, silentLogger) });
      try {
        const denied = await withPayout.inject({ method: 'POST', url: '/payout-runs', headers: auth(tokens.operator!), payload: { from: '2026-06-01', to: '2026-06-02' } });
        expect(denied.statusCode).toBe(403);
        const started = await withPayout.inject({ method: 'POST', url: '/payout-runs', headers: auth(tokens.finance!), payload: { from: '2026-06-01', to: '2026-06-02', sites: ['s001'] } });
        expect(started.statusCode).toBe(202);
        const id = started.json<PayoutRun>().id;
        let run = started.json<PayoutRun>();
        for (let i = 0; i < 100 && run.state === 'running'; i++) {
          await new Promise((r) => setTimeout(r, 50));
          run = (await withPayout.inject({ url: `/payout-runs/${id}`, headers: auth(tokens.viewer!) })).json<PayoutRun>();
        }
        expect(run).toMatchObject({ state: 'done', daysTotal: 2, daysDone: 2, startedBy: 'finance-test' });
        expect(run.result?.posted).toBe(2); // one site, two days
        // s001 has no energy on the 2nd: the run's summary says so in words
        expect(run.result?.data).toEqual([expect.stringMatching(/^缺数据 站点 s001 2026-06-02：.* \/ missing data: site s001 2026-06-02: no energy data at all, every household credited 0\.00$/)]);
        const settlements = (await withPayout.inject({ url: '/settlements?site=s001&from=2026-06-01&to=2026-06-01', headers: auth(tokens.viewer!) })).json<Page<{ revenueFen: number }>>();
        expect(settlements).toMatchObject({ total: 1, items: [{ site: 's001', day: '2026-06-01', version: 1, energyWh: 1200, energySource: 'revenue_meter' }] });
        expect(settlements.items[0]!.revenueFen).toBeGreaterThan(0);
        const runs = (await withPayout.inject({ url: '/settlement-runs?limit=1', headers: auth(tokens.viewer!) })).json<Page<{ id: string }>>();
        expect(runs.items[0]!.id).toBe(run.settlementRunIds.at(-1));
        const audit = await db.all<{ action: string; actor: string }>("SELECT action, actor FROM audit_log WHERE action = 'payout.run'");
        expect(audit).toEqual([{ action: 'payout.run', actor: 'finance-test' }]);

        const viewerReport = await withPayout.inject({ url: '/reports/households?month=2026-06', headers: auth(tokens.viewer!) });
        expect(viewerReport.statusCode).toBe(403);
        const csv = await withPayout.inject({ url: '/reports/households?month=2026-06&format=csv', headers: auth(tokens.finance!) });
        expect(csv.statusCode).toBe(200);
        expect(csv.headers['content-type']).toContain('text/csv');
        expect(csv.headers['content-disposition']).toContain('payout-2026-06-households.csv');
        expect(csv.rawPayload.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
        expect(csv.body).toContain('h1');
        const xlsx = await withPayout.inject({ url: '/reports/workbook?month=2026-06&format=xlsx', headers: auth(tokens.finance!) });
        expect(xlsx.statusCode).toBe(200);
        const wb = new ExcelJS.Workbook();
        await wb.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer);
        expect(wb.worksheets.length).toBe(5);
        const csvWorkbook = await withPayout.inject({ url: '/reports/workbook?month=2026-06&format=csv', headers: auth(tokens.finance!) });
        expect(csvWorkbook.json<ErrorBody>().error.code).toBe('REPORT_FORMAT_UNSUPPORTED');
        const unknown = await withPayout.inject({ url: '/reports/nope?month=2026-06', headers: auth(tokens.finance!) });
        expect(unknown.json<ErrorBody>().error).toMatchObject({ code: 'REPORT_NOT_FOUND' });
        const badMonth = await withPayout.inject({ url: '/reports/households?month=2026-13', headers: auth(tokens.finance!) });
        expect(badMonth.json<ErrorBody>().error.code).toBe('REQUEST_INVALID');
      } finally {
        await withPayout.close();
      }
    });

    it('imports registry files through payout\'s checks: all problems at once, nothing imported while any remain (admin; audited)', async () => {
      const csv = 'id,name,town,village,id_card,bank_account\nh2,李四,town0,village0,440232198001011111,6222000011112222\nh3,王五,town0,village0,440232198101012222,6222000033334444\n';
      const post = (body: string, token: string, url = '/registry/import?kind=households') =>
        app.inject({ method: 'POST', url, headers: { ...auth(token), 'content-type': 'text/csv' }, payload: body });
      expect((await post(csv, tokens.finance!)).statusCode).toBe(403);
      const bad = await post('id,name,shoe_size\nh9,x,42\nbad id!,y,1\n', tokens.admin!);
      expect(bad.statusCode).toBe(400);
      const err = bad.json<ErrorBody>().error;
      expect(err.code).toBe('REGISTRY_INVALID');
      expect(err.details.join('\n')).toMatch(/shoe_size/);
      expect(err.details.join('\n')).toMatch(/line 3/);
      expect(err.details.join('\n')).not.toContain(tmpdirName());
      expect((await app.inject({ url: '/households', headers: auth(tokens.viewer!) })).json<Page<unknown>>().total).toBe(1);
      const noKind = await post(csv, tokens.admin!, '/registry/import');
      expect(noKind.json<ErrorBody>().error.code).toBe('REGISTRY_KIND_MISSING');
      const good = await post(csv, tokens.admin!);
      expect(good.statusCode).toBe(200);
      expect(good.json<{ imported: Record<string, number> }>().imported.households).toBe(2);
      const list = (await app.inject({ url: '/households', headers: auth(tokens.viewer!) })).json<Page<{ id: string }>>();
      expect(list.total).toBe(3);
      expect(list.items.find((h) => h.id === 'h2')).toMatchObject({ name: '李*', idCard: '440***********1111' });
      const entry = await db.get<{ actor: string; target: string }>("SELECT actor, target FROM audit_log WHERE action = 'registry.import'");
      expect(entry).toEqual({ actor: 'admin-test', target: 'households' });
    });

    it('answers 503 with a code when the payout service is not wired', async () => {
      const res = await app.inject({ method: 'POST', url: '/payout-runs', headers: auth(tokens.finance!), payload: { from: '2026-06-01', to: '2026-06-01' } });
      expect(res.statusCode).toBe(503);
      expect(res.json<ErrorBody>().error.code).toBe('PAYOUT_UNAVAILABLE');
    });
  });
}

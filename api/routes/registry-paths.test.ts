import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSunshareError } from '../../common/errors.ts';
import type { Db } from '../../common/ledger/index.ts';
import { openTestLedger, postgresAvailable, type TestLedger } from '../../common/testing/index.ts';
import { importRegistry } from '../../payout/index.ts';
import { buildApp } from '../app.ts';
import { createToken } from '../auth/tokens.ts';
import type { ErrorBody } from '../errors.ts';

/**
 * The registry has one service (payout/registry applyRegistry): the API's
 * POST/PATCH and the importer must accept and refuse the same changes. Random
 * sequences of site, device and allocation changes go to two fresh ledgers,
 * one through the real API (fastify inject), one through the importer (CSV
 * files); after every step both said yes or both said no, and both ledgers
 * hold the same registry. A refused API request changes nothing and is a 4xx.
 */

const pgUp = await postgresAvailable();

interface SiteChange { op: 'site'; id: string; name: string; capacityW: number; town?: string; timeZone?: string; commissionedOn?: string }
interface DeviceChange { op: 'device'; site: string; id: string; kind: 'inverter' | 'meter'; revenueMeter: boolean; ratedPowerW?: number }
interface AllocationChange { op: 'allocation'; id: string; household: string; site: string; shareW: number; from: string; to?: string }
type Change = SiteChange | DeviceChange | AllocationChange;

const SITES = ['s1', 's2', 's3'];
/** Mostly good values, sometimes a bad one: a change breaks a rule often, not almost always. */
const mostly = <T>(good: T[], bad: T[]) => fc.oneof({ arbitrary: fc.constantFrom(...good), weight: 6 }, { arbitrary: fc.constantFrom(...bad), weight: 1 });
const siteChange: fc.Arbitrary<SiteChange> = fc.record(
  {
    op: fc.constant('site' as const),
    id: fc.constantFrom(...SITES),
    name: mostly(['东光村一号', 'Site B'], ['', 'x'.repeat(201)]),
    capacityW: mostly([1000, 3000, 6000, 9000, 12_000], [0, 1500.5]),
    town: mostly(['大桥镇', 'y'.repeat(150)], ['z'.repeat(201)]),
    timeZone: mostly(['Asia/Shanghai', 'Europe/Berlin'], ['Mars/Olympus', 'Asia/Shanghia']),
    commissionedOn: mostly(['2017-01-01'], ['2018-02-30', '2017-13-01']),
  },
  { requiredKeys: ['op', 'id', 'name', 'capacityW'] },
);
const deviceChange: fc.Arbitrary<DeviceChange> = fc.record(
  {
    op: fc.constant('device' as const),
    site: mostly(SITES, ['nowhere']),
    id: fc.constantFrom('inv1', 'inv2', 'meter1'),
    kind: fc.constantFrom('inverter' as const, 'meter' as const),
    revenueMeter: fc.boolean(),
    ratedPowerW: mostly([5000, 110_000], [0, 2500.25]),
  },
  { requiredKeys: ['op', 'site', 'id', 'kind', 'revenueMeter'] },
);
const allocationChange: fc.Arbitrary<AllocationChange> = fc.record(
  {
    op: fc.constant('allocation' as const),
    id: fc.constantFrom('a1', 'a2', 'a3', 'a4'),
    household: mostly(['h1', 'h2', 'h3'], ['ghost']),
    site: fc.constantFrom(...SITES),
    shareW: fc.constantFrom(3000, 6000),
    from: fc.constantFrom('2018-01-01', '2018-06-01'),
    to: mostly(['2018-03-31'], ['2017-12-31']),
  },
  { requiredKeys: ['op', 'id', 'household', 'site', 'shareW', 'from'] },
);
const changes = fc.array(fc.oneof({ arbitrary: siteChange, weight: 3 }, { arbitrary: deviceChange, weight: 2 }, { arbitrary: allocationChange, weight: 3 }), { minLength: 1, maxLength: 10 });

const csv = (rows: (string | number | undefined)[][]) => rows.map((r) => r.map((c) => (c === undefined ? '' : String(c))).join(',')).join('\n') + '\n';

function tempCsv(name: string, text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'sunshare-paths-')), name);
  writeFileSync(file, text);
  return file;
}

interface SiteRow { id: string; name: string; town: string; village: string; capacity_w: number; time_zone: string; commissioned_on: string | null }

async function state(db: Db): Promise<unknown> {
  return {
    sites: await db.q.selectFrom('sites').select(['id', 'name', 'town', 'village', 'capacity_w', 'time_zone', 'commissioned_on']).orderBy('id').execute(),
    devices: await db.q.selectFrom('devices').select(['site_id', 'id', 'kind', 'revenue_meter', 'rated_power_w']).orderBy('site_id').orderBy('id').execute(),
    allocations: await db.q.selectFrom('allocations').select(['id', 'household_id', 'site_id', 'share_w', 'valid_from', 'valid_to']).orderBy('id').execute(),
  };
}

/** The importer's answer: true (imported) or false (REGISTRY_INVALID); anything else is a bug. */
async function viaImporter(db: Db, files: string[]): Promise<boolean> {
  try {
    await importRegistry(db, files);
    return true;
  } catch (err) {
    if (isSunshareError(err) && err.code === 'REGISTRY_INVALID') return false;
    throw err;
  }
}

async function resetRegistry(db: Db): Promise<void> {
  for (const t of ['allocations', 'tariffs', 'site_policies', 'devices', 'households', 'sites', 'audit_log']) await db.exec(`DELETE FROM ${t}`);
}

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe.skipIf(dialect === 'postgres' && !pgUp)(`the API and the importer, one registry service, on ${dialect}`, () => {
    let api: TestLedger;
    let imp: TestLedger;
    let app: FastifyInstance;
    let admin: Record<string, string>;

    beforeAll(async () => {
      api = await openTestLedger(dialect, 'sunshare_paths_api');
      imp = await openTestLedger(dialect, 'sunshare_paths_imp');
      app = await buildApp({ db: api.db });
      admin = { authorization: `Bearer ${(await createToken(api.db, 'admin', 'paths-admin')).token}` };
    });
    afterAll(async () => {
      await app?.close();
      await api?.close();
      await imp?.close();
    });

    /** One change through the API: true (2xx) or false (4xx, and nothing changed); a 5xx fails the test. */
    async function viaApi(c: Change): Promise<boolean | 'not comparable'> {
      const before = await state(api.db);
      let res;
      if (c.op === 'site') {
        const exists = await api.db.q.selectFrom('sites').select('id').where('id', '=', c.id).executeTakeFirst();
        const { op: _op, id, ...fields } = c;
        res = exists
          ? await app.inject({ method: 'PATCH', url: `/sites/${id}`, headers: admin, payload: fields })
          : await app.inject({ method: 'POST', url: '/sites', headers: admin, payload: { id, ...fields } });
      } else if (c.op === 'device') {
        const exists = await api.db.q.selectFrom('devices').select('id').where('site_id', '=', c.site).where('id', '=', c.id).executeTakeFirst();
        if (exists) return 'not comparable'; // the API has no device update; the importer's upsert would change it
        const { op: _op, site, ...fields } = c;
        res = await app.inject({ method: 'POST', url: `/sites/${site}/devices`, headers: admin, payload: fields });
      } else {
        // the API has no allocation writes: both ledgers get them through the importer
        return viaImporter(api.db, [allocationsCsv(c)]);
      }
      expect(res.statusCode, `${JSON.stringify(c)}: ${res.body}`).toBeLessThan(500);
      if (res.statusCode >= 400) {
        expect(res.json<ErrorBody>().error.message.length).toBeGreaterThan(0);
        expect(await state(api.db), `a refused ${JSON.stringify(c)} changed nothing`).toEqual(before);
        return false;
      }
      return true;
    }

    function allocationsCsv(c: AllocationChange): string {
      return tempCsv('allocations.csv', csv([['id', 'household_id', 'site_id', 'share_kw', 'valid_from', 'valid_to'], [c.id, c.household, c.site, c.shareW / 1000, c.from, c.to]]));
    }

    /** The same change as registry files: a site row is the whole row as it would be after the change. */
    async function viaFiles(c: Change): Promise<boolean> {
      if (c.op === 'site') {
        const cur = (await imp.db.q.selectFrom('sites').selectAll().where('id', '=', c.id).executeTakeFirst()) as SiteRow | undefined;
        const row = [
          c.id,
          c.name,
          c.town ?? cur?.town,
          cur?.village,
          c.capacityW / 1000,
          c.timeZone ?? cur?.time_zone,
          c.commissionedOn ?? cur?.commissioned_on ?? undefined,
        ];
        return viaImporter(imp.db, [tempCsv('sites.csv', csv([['id', 'name', 'town', 'village', 'capacity_kw', 'time_zone', 'commissioned_on'], row]))]);
      }
      if (c.op === 'device') {
        const row = [c.site, c.id, c.kind, c.revenueMeter ? 'yes' : 'no', c.ratedPowerW === undefined ? undefined : c.ratedPowerW / 1000];
        return viaImporter(imp.db, [tempCsv('devices.csv', csv([['site_id', 'id', 'kind', 'revenue_meter', 'rated_power_kw'], row]))]);
      }
      return viaImporter(imp.db, [allocationsCsv(c)]);
    }

    it('accept and refuse the same random changes, and leave the same registry', async () => {
      const households = tempCsv('households.csv', csv([['id', 'name'], ['h1', '甲'], ['h2', '乙'], ['h3', '丙']]));
      const runs = dialect === 'sqlite' ? 60 : 20;
      let compared = 0;
      let refused = 0;
      await fc.assert(
        fc.asyncProperty(changes, async (list) => {
          await resetRegistry(api.db);
          await resetRegistry(imp.db);
          await importRegistry(api.db, [households]);
          await importRegistry(imp.db, [households]);
          for (const c of list) {
            const a = await viaApi(c);
            if (a === 'not comparable') continue;
            const b = await viaFiles(c);
            expect(a, `API ${a ? 'accepted' : 'refused'} but the importer ${b ? 'accepted' : 'refused'}: ${JSON.stringify(c)}`).toBe(b);
            expect(await state(api.db)).toEqual(await state(imp.db));
            compared++;
            if (!a) refused++;
          }
        }),
        { numRuns: runs },
      );
      // the generators reach both answers often
      expect(compared).toBeGreaterThan(runs * 2);
      expect(refused).toBeGreaterThan(runs / 2);
      expect(compared - refused).toBeGreaterThan(runs / 2);
    });

    it('refuses POST /sites with an unknown time zone with a 4xx naming the rule, and stores nothing', async () => {
      await resetRegistry(api.db);
      const res = await app.inject({ method: 'POST', url: '/sites', headers: admin, payload: { id: 'mars1', name: 'Olympus', capacityW: 15_000, timeZone: 'Mars/Olympus' } });
      expect(res.statusCode).toBe(400);
      expect(res.json<ErrorBody>().error).toMatchObject({ code: 'SITE_TIME_ZONE_INVALID', message: expect.stringContaining('Mars/Olympus') as unknown });
      expect(await api.db.q.selectFrom('sites').selectAll().execute()).toEqual([]);
    });

    it('refuses a capacity PATCH below what is allocated (1 kW on a site with 63 kW allocated) with a 4xx naming the rule, changing nothing', async () => {
      await resetRegistry(api.db);
      await app.inject({ method: 'POST', url: '/sites', headers: admin, payload: { id: 'big', name: 'Big', capacityW: 315_000 } });
      const people = Array.from({ length: 21 }, (_, i) => `hh${String(i + 1).padStart(2, '0')}`);
      await importRegistry(api.db, [
        tempCsv('households.csv', csv([['id', 'name'], ...people.map((h) => [h, h])])),
        tempCsv('allocations.csv', csv([['id', 'household_id', 'site_id', 'share_kw', 'valid_from'], ...people.map((h) => [`al-${h}`, h, 'big', 3, '2018-01-01'])])),
      ]);
      const before = await state(api.db);
      const res = await app.inject({ method: 'PATCH', url: '/sites/big', headers: admin, payload: { capacityW: 1000 } });
      expect(res.statusCode).toBe(409);
      expect(res.json<ErrorBody>().error).toMatchObject({ code: 'SITE_CAPACITY_BELOW_ALLOCATED', message: expect.stringContaining('63 kW allocated') as unknown });
      expect(await state(api.db)).toEqual(before);
      // the same change as a file is refused too, naming the row that sets the capacity
      await resetRegistry(imp.db);
      const sites = tempCsv('sites.csv', 'id,name,capacity_kw\nbig,Big,315\n');
      await importRegistry(imp.db, [sites]);
      await importRegistry(imp.db, [
        tempCsv('households.csv', csv([['id', 'name'], ...people.map((h) => [h, h])])),
        tempCsv('allocations.csv', csv([['id', 'household_id', 'site_id', 'share_kw', 'valid_from'], ...people.map((h) => [`al-${h}`, h, 'big', 3, '2018-01-01'])])),
      ]);
      const err = await importRegistry(imp.db, [tempCsv('sites.csv', 'id,name,capacity_kw\nbig,Big,1\n')]).catch((e: unknown) => e);
      expect(isSunshareError(err) && err.details).toEqual(['sites.csv line 2 column capacity_kw: capacity 1 kW of site big is below the 63 kW its allocations already hold on 2018-01-01']);
    });

    it('refuses a commissioning date that does not exist, as the importer does', async () => {
      await resetRegistry(api.db);
      const res = await app.inject({ method: 'POST', url: '/sites', headers: admin, payload: { id: 'd1', name: 'D', capacityW: 15_000, commissionedOn: '2018-02-30' } });
      expect(res.statusCode).toBe(400);
      expect(res.json<ErrorBody>().error).toMatchObject({ code: 'REGISTRY_INVALID', details: ['site d1 column commissioned_on: "2018-02-30" is not a date YYYY-MM-DD'] });
      expect(await api.db.q.selectFrom('sites').selectAll().execute()).toEqual([]);
    });
  });
}

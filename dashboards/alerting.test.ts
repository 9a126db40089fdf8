import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { openLedger, type Db } from '../common/ledger/index.ts';
import { createPgDatabase, influxAvailable, postgresAvailable, startInflux, type InfluxQueryResult, type InfluxServer, type PgDatabase } from '../common/testing/index.ts';
import { ALARM_ANNOTATION_SQL } from './src/alarms.ts';
import { INFLUX, LEDGER } from './src/datasources.ts';
import { allDashboards } from './src/render.ts';
import { fillLedger, LEDGER_FROM_MS, LEDGER_TO_MS } from './testing/ledger-data.ts';
import { expandInfluxQL, expandSql } from './testing/macros.ts';
import { DAY_END_MS, STEP_MS, loadSimulatedDay } from './testing/simulated-day.ts';

interface Query { refId: string; relativeTimeRange?: { from: number; to: number }; datasourceUid: string; model: { query?: string; rawSql?: string; expression?: string; type?: string } }
interface Rule { uid: string; title: string; condition: string; data: Query[]; noDataState: string; for: string; labels: Record<string, string> }
const FILE = join(import.meta.dirname, 'grafana', 'provisioning', 'alerting', 'sunshare.yaml');
const rules: Rule[] = (parse(readFileSync(FILE, 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules);
const rule = (uid: string) => rules.find((r) => r.uid === uid)!;
const NOW = DAY_END_MS - STEP_MS;
const pgUp = await postgresAvailable();

describe('Grafana alert rules (provisioning/alerting/sunshare.yaml)', () => {
  it('are well formed: unique uids, known datasources, the condition and every expression input exist', () => {
    expect(new Set(rules.map((r) => r.uid)).size).toBe(rules.length);
    expect(rules.map((r) => r.uid)).toEqual(['sunshare-inverter-fault', 'sunshare-site-silent', 'sunshare-open-critical-alarms']);
    for (const r of rules) {
      const refs = new Set(r.data.map((d) => d.refId));
      expect(refs.has(r.condition), r.uid).toBe(true);
      for (const d of r.data) {
        expect([INFLUX.uid, LEDGER.uid, '__expr__'], `${r.uid} ${d.refId}`).toContain(d.datasourceUid);
        if (d.model.expression) expect(refs.has(d.model.expression), `${r.uid} ${d.refId} reads ${d.model.expression}`).toBe(true);
      }
    }
  });

  describe.skipIf(!influxAvailable())('InfluxQL rules on a simulated day in a real InfluxDB', () => {
    let influx: InfluxServer;
    const run = async (r: Rule): Promise<InfluxQueryResult> => {
      const q = r.data[0]!;
      const q2 = expandInfluxQL(q.model.query!, { from: NOW - q.relativeTimeRange!.from * 1000, to: NOW, intervalMs: STEP_MS, values: {}, all: new Set(), variables: [] });
      return influx.query(q2, 'sunshare');
    };
    const series = (res: InfluxQueryResult) => res.results.flatMap((x) => x.series ?? []).map((s) => Object.values(s.tags ?? {}).join('/'));
    beforeAll(async () => {
      influx = await startInflux();
      await influx.createDatabase('sunshare');
      await loadSimulatedDay(influx.url, 'sunshare');
    });
    afterAll(async () => influx?.destroy());

    it('fires "Inverter in FAULT" for the inverter in fault at the end of the day, and no other', async () => {
      expect(series(await run(rule('sunshare-inverter-fault')))).toEqual(['inv-3/sim-site-a']); // tags device/site
    });

    it('leaves the silent site out of the 15-minute count, so "No telemetry" fires for it (no data = alerting)', async () => {
      const r = rule('sunshare-site-silent');
      expect(r.noDataState).toBe('Alerting');
      expect(series(await run(r))).toEqual(['sim-site-a', 'sim-site-b']);
    });
  });

  describe.skipIf(!pgUp)('SQL on a PostgreSQL ledger', () => {
    let database: PgDatabase;
    let db: Db;
    beforeAll(async () => {
      database = await createPgDatabase('sunshare_alert');
      db = await openLedger(database.url);
      await fillLedger(db);
    });
    afterAll(async () => {
      await db?.close();
      await database?.drop();
    });

    it('"Open critical alarms" counts the open critical alarm of each site', async () => {
      const rows = await db.all<{ site: string; value: number }>(rule('sunshare-open-critical-alarms').data[0]!.model.rawSql!);
      const sites = (await db.all<{ id: string }>('SELECT id FROM sites ORDER BY id')).map((s) => s.id);
      expect(rows.map((r) => [r.site, Number(r.value)]).sort()).toEqual(sites.map((s) => [s, 1]));
    });

    it('the alarm annotation query gives time, end, text and tags for each alarm in range', async () => {
      const sites = (await db.all<{ id: string }>('SELECT id FROM sites ORDER BY id')).map((s) => s.id);
      const q = expandSql(ALARM_ANNOTATION_SQL, { from: LEDGER_FROM_MS, to: LEDGER_TO_MS, intervalMs: 86_400_000, values: { site: [sites[0]!] }, all: new Set(), variables: allDashboards().find((d) => d.dashboard.uid === 'sunshare-site')!.dashboard.templating.list });
      const rows = await db.all<{ time: number; timeend: number; text: string; tags: string }>(q);
      expect(rows).toHaveLength(2);
      expect(Number(rows[0]!.timeend) - Number(rows[0]!.time)).toBe(2.5 * 3600);
      expect(rows[0]!.text).toBe('critical: inv1: Ground fault / 接地故障');
      expect(rows[0]!.tags).toBe('inverter_alarm,critical');
    });
  });
});

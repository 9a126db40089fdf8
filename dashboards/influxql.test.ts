import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { influxAvailable, startInflux, type InfluxQueryResult, type InfluxServer } from '../common/testing/index.ts';
import { INFLUX } from './src/datasources.ts';
import type { Dashboard, InfluxTarget } from './src/model.ts';
import { allDashboards } from './src/render.ts';
import { expandInfluxQL, panelRange } from './testing/macros.ts';
import { DAY_END_MS, DAY_START_MS, LOCAL_OFFSET_MS, STEP_MS, loadSimulatedDay, simulatedDayLines } from './testing/simulated-day.ts';
import { panelTargets, resolveVariables, type PanelTarget } from './testing/targets.ts';

const DB = 'sunshare';
/** "Now" for the panels: the last minute of the simulated day. */
const NOW = DAY_END_MS - STEP_MS;
/** Variable choices that show the day's events (see testing/simulated-day.ts). */
const CHOSEN: Record<string, Record<string, string[]>> = {
  'sunshare-site': { site: ['sim-site-a'] },
  'sunshare-inverter': { site: ['sim-site-a'], device: ['inv-2'] },
};

function valuesOf(result: InfluxQueryResult): unknown[] {
  return result.results.flatMap((r) => r.series ?? []).flatMap((s) => s.values.flatMap((row) => row.slice(1)));
}

/** Energy the simulation's counters advanced over the day, kWh, from the line protocol itself. */
function simulatedEnergyKwh(site?: string, counter: 'inverter.ac_energy_wh' | 'meter.export_energy_wh' = 'inverter.ac_energy_wh'): number {
  const [measurement, field] = counter.split('.');
  const range = new Map<string, [number, number]>();
  for (const l of simulatedDayLines()) {
    const [series, fields] = l.split(' ');
    const [name, ...tags] = series!.split(',');
    const value = new RegExp(`(?:^|,)${field}=([\\d.]+)`).exec(fields!)?.[1];
    const tag = (k: string) => tags.find((t) => t.startsWith(`${k}=`))?.slice(k.length + 1);
    if (name !== measurement || value === undefined || (site && tag('site') !== site)) continue;
    const key = `${tag('site')}/${tag('device')}`;
    const wh = Number(value);
    const [lo, hi] = range.get(key) ?? [wh, wh];
    range.set(key, [Math.min(lo, wh), Math.max(hi, wh)]);
  }
  return [...range.values()].reduce((sum, [lo, hi]) => sum + hi - lo, 0) / 1000;
}

describe.skipIf(!influxAvailable())('every InfluxQL query in the dashboards, on a simulated day in a real InfluxDB', () => {
  let influx: InfluxServer;
  const values = new Map<string, { values: Record<string, string[]>; all: Set<string> }>();

  async function run(dashboard: Dashboard, { panel, target }: PanelTarget): Promise<{ q: string; res: InfluxQueryResult }> {
    const { from, to } = panelRange(NOW, DAY_START_MS, panel.timeFrom, LOCAL_OFFSET_MS);
    const q = expandInfluxQL((target as InfluxTarget).query, { from, to, intervalMs: STEP_MS, ...values.get(dashboard.uid)!, variables: dashboard.templating.list });
    return { q, res: await influx.query(q, DB) };
  }

  beforeAll(async () => {
    influx = await startInflux();
    await influx.createDatabase(DB);
    expect(await loadSimulatedDay(influx.url, DB)).toBeGreaterThan(30_000);
    for (const { dashboard } of allDashboards()) {
      const vars = dashboard.templating.list;
      if (vars.some((v) => v.datasource && v.datasource.uid !== INFLUX.uid)) continue;
      values.set(
        dashboard.uid,
        await resolveVariables(vars, CHOSEN[dashboard.uid] ?? {}, async (v, soFar, allSoFar) => {
          const q = expandInfluxQL(v.query, { from: DAY_START_MS, to: NOW, intervalMs: STEP_MS, values: soFar, all: allSoFar, variables: vars });
          return valuesOf(await influx.query(q, DB)).map(String);
        }),
      );
    }
  });
  afterAll(async () => influx?.destroy());

  for (const { dashboard } of allDashboards()) {
    const targets = panelTargets(dashboard).filter((t) => t.target.datasource.uid === INFLUX.uid);
    if (targets.length === 0) continue;
    it.each(targets.map((t) => [t.name, t] as const))('%s returns data', async (_name, t) => {
      const { q, res } = await run(dashboard, t);
      expect(res.results.flatMap((r) => (r.error ? [r.error] : [])), q).toEqual([]);
      expect(valuesOf(res).filter((v) => v !== null).length, `no data from: ${q}`).toBeGreaterThan(0);
    });
  }

  describe('the fleet overview shows the simulated day\'s events', () => {
    const fleet = allDashboards().find((d) => d.dashboard.uid === 'sunshare-fleet')!.dashboard;
    const single = async (title: string, refId = 'A') => {
      const t = panelTargets(fleet).find((x) => x.panel.title === title && x.target.refId === refId)!;
      const { res } = await run(fleet, t);
      return res.results[0]!.series!;
    };

    it('two gateways online, site C offline since its last will', async () => {
      expect((await single('Gateways online'))[0]!.values[0]![1]).toBe(2);
      expect((await single('Gateways offline'))[0]!.values[0]![1]).toBe(1);
      const table = await single('Gateways');
      expect(table.find((s) => s.tags?.site === 'sim-site-c')!.values[0]![1]).toBe(false);
      const clockJumps = table[0]!.columns.indexOf('clock_jumps');
      expect(table.map((s) => [s.tags?.site, s.values[0]![clockJumps]])).toEqual([['sim-site-a', 0], ['sim-site-b', 0], ['sim-site-c', 1]]);
    });

    it('the inverter in fault at the end of the day, with its alarms', async () => {
      expect((await single('Inverters in fault'))[0]!.values[0]![1]).toBe(1);
      const rows = await single('Sites and inverters in fault');
      expect(rows.map((s) => [s.tags?.site, s.tags?.device, s.values[0]![2]])).toEqual([['sim-site-a', 'inv-3', 'ISOLATION_FAULT,DC_INSULATION']]);
    });

    it("today's energy equals what the counters advanced, in total and per site", async () => {
      expect((await single('Energy against the expected today'))[0]!.values[0]![1]).toBeCloseTo(simulatedEnergyKwh(), 0);
      const daily = await single('Daily energy per site (revenue meter)');
      const today = await single('Energy today per site (revenue meter)');
      for (const site of ['sim-site-a', 'sim-site-b', 'sim-site-c']) {
        const exported = simulatedEnergyKwh(site, 'meter.export_energy_wh');
        expect(exported).toBeGreaterThan(1000);
        const bars = daily.find((s) => s.tags?.site === site)!.values.filter((row) => row[1] !== null);
        expect(bars.map((row) => row[0])).toEqual(['2026-06-21T00:00:00+08:00']);
        expect(bars[0]![1]).toBeCloseTo(exported, 0);
        expect(today.find((s) => s.tags?.site === site)!.values[0]![1]).toBeCloseTo(exported, 0);
      }
    });

    it('with two sites picked instead of All, shows exactly those two', async () => {
      const t = panelTargets(fleet).find((x) => x.panel.title === 'Gateways')!;
      const picked = { values: { site: ['sim-site-a', 'sim-site-c'], expected_yield: ['2.8'] }, all: new Set<string>() };
      const q = expandInfluxQL((t.target as InfluxTarget).query, { from: DAY_START_MS, to: NOW, intervalMs: STEP_MS, ...picked, variables: fleet.templating.list });
      expect(q).toContain('/^(sim-site-a|sim-site-c)$/');
      const series = (await influx.query(q, DB)).results[0]!.series!;
      expect(series.map((x) => x.tags?.site)).toEqual(['sim-site-a', 'sim-site-c']);
      // and "All" sends the variable's allValue, not every site name
      const all = expandInfluxQL((t.target as InfluxTarget).query, { from: DAY_START_MS, to: NOW, intervalMs: STEP_MS, ...values.get(fleet.uid)!, variables: fleet.templating.list });
      expect(all).toContain('"site" =~ /^.*$/');
    });

    it("site B's spool backlog after its uplink outage", async () => {
      const backlog = (await single('Gateway spool backlog')).find((s) => s.tags?.site === 'sim-site-b')!;
      expect(Math.max(...backlog.values.map((r) => Number(r[1] ?? 0)))).toBe(120);
    });
  });
});

import { startInflux } from '../common/testing/index.ts';
import { INFLUX } from './src/datasources.ts';
import type { InfluxTarget } from './src/model.ts';
import { fleetDashboard } from './src/fleet.ts';
import { fleetLines } from './testing/fleet-load.ts';
import { expandInfluxQL, panelRange } from './testing/macros.ts';
import { panelTargets } from './testing/targets.ts';

/**
 * How long the fleet overview's InfluxQL takes on a county-sized fleet:
 * 150 sites x 10 inverters every 10 s (the design's county), one hour of data,
 * "All" sites selected, on the test InfluxDB 1.6 on this 2-core machine.
 * Grafana runs a dashboard's panels in parallel; the total is the serial sum.
 */
const SITES = 150;
const INVERTERS = 10;
const HOURS = 1;
const STEP_MS = 10_000;
const RUNS = 3;

const influx = await startInflux();
try {
  await influx.createDatabase('sunshare');
  const end = Math.floor(Date.now() / 60_000) * 60_000;
  let batch: string[] = [];
  let points = 0;
  const loadStart = performance.now();
  const flush = async () => {
    const res = await fetch(`${influx.url}/write?db=sunshare&precision=ms`, { method: 'POST', body: batch.join('\n') });
    if (res.status !== 204) throw new Error(`write failed: ${res.status} ${await res.text()}`);
    points += batch.length;
    batch = [];
  };
  for (const l of fleetLines(SITES, INVERTERS, HOURS, STEP_MS, end)) {
    batch.push(l);
    if (batch.length === 10_000) await flush();
  }
  if (batch.length > 0) await flush();
  const loadMs = performance.now() - loadStart;

  const dashboard = fleetDashboard();
  const sites = Array.from({ length: SITES }, (_, s) => `bench-site-${String(s).padStart(3, '0')}`);
  const values = { site: sites, expected_yield: ['2.8'] };
  const all = new Set(['site']); // "All" selected: Grafana sends the variable's allValue
  const timings: { panel: string; ms: number }[] = [];
  for (const { panel, target, name } of panelTargets(dashboard).filter((t) => t.target.datasource.uid === INFLUX.uid)) {
    const { from, to } = panelRange(end, end - HOURS * 3_600_000, panel.timeFrom, 8 * 3_600_000);
    const q = expandInfluxQL((target as InfluxTarget).query, { from, to, intervalMs: 30_000, values, all, variables: dashboard.templating.list });
    const runs: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      const res = await influx.query(q, 'sunshare');
      runs.push(performance.now() - t0);
      if (res.results.some((r) => r.error)) throw new Error(`${name}: ${JSON.stringify(res.results)}`);
    }
    timings.push({ panel: name, ms: runs.sort((a, b) => a - b)[Math.floor(RUNS / 2)]! });
  }
  const slowest = timings.reduce((a, b) => (b.ms > a.ms ? b : a));
  const total = timings.reduce((sum, t) => sum + t.ms, 0);
  console.log(
    JSON.stringify({
      bench: 'dashboards.fleet_overview',
      sites: SITES,
      inverters: SITES * INVERTERS,
      hours: HOURS,
      points,
      load_points_per_s: Math.round(points / (loadMs / 1000)),
      queries: timings.length,
      median_total_ms: Math.round(total),
      slowest_panel: slowest.panel,
      panels_ms: Object.fromEntries(timings.map((t) => [t.panel.replace(/^.*? \/ .*? \/ /, ''), Math.round(t.ms)])),
      slowest_ms: Math.round(slowest.ms),
      goal: 'total <= 2000 ms (one dashboard refresh)',
    }),
  );
} finally {
  await influx.destroy();
}

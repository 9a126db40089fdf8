import { DashboardBuilder } from './builder.js';
import { sql, sqlVariable } from './datasources.js';
import type { Dashboard } from './model.js';
import { timeseries } from './panels.js';

/** Revenue from the ledger (PostgreSQL): daily revenue, household vs company, year-to-date against target. */
export function revenueDashboard(): Dashboard {
  return new DashboardBuilder({
    uid: 'sunshare-revenue',
    title: 'Sunshare / Revenue',
    description: 'From the ledger: settled daily energy and revenue per site, household and company shares, each household against its annual target.',
    tags: ['revenue'],
    time: { from: 'now-90d', to: 'now' },
    refresh: '',
    variables: [sqlVariable('site', 'SELECT id FROM sites ORDER BY id', { label: 'Site', multi: true })],
  })
    .row('Energy')
    .add(
      timeseries({
        title: 'Settlement energy per site (ledger)',
        w: 24,
        h: 8,
        unit: 'kwatth',
        bars: true,
        stack: true,
        targets: [
          sql(
            'A',
            `SELECT to_timestamp(day, 'YYYY-MM-DD') AS "time", site_id AS metric, sum(energy_wh) / 1000.0 AS value FROM daily_energy_current ` +
              `WHERE counter = 'ac_energy_wh' AND site_id IN ($site) AND to_timestamp(day, 'YYYY-MM-DD') BETWEEN $__timeFrom()::timestamptz - interval '1 day' AND $__timeTo() ` +
              `GROUP BY day, site_id ORDER BY 1, 2`,
            'time_series',
          ),
        ],
      }),
    )
    .build();
}

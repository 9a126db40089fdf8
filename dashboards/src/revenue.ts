import { DashboardBuilder } from './builder.ts';
import { sql, sqlVariable } from './datasources.ts';
import { HOUSEHOLD_YEAR, LATEST_SETTLEMENT, LINES, dayAsTime, dayInRange } from './ledger-sql.ts';
import type { Dashboard } from './model.ts';
import { stat, table, timeseries } from './panels.ts';

const SITES = `s.site_id IN ($site)`;
const YUAN = 'currencyCNY';

/** Revenue from the ledger (PostgreSQL): daily revenue, household vs company, year to date against target. */
export function revenueDashboard(): Dashboard {
  const inRange = `${SITES} AND ${dayInRange('s.day')}`;
  const sumFen = (where: string) => `SELECT coalesce(sum(l.amount_fen), 0) / 100.0 AS "yuan" FROM ${LINES} WHERE ${inRange}${where}`;
  return new DashboardBuilder({
    uid: 'sunshare-revenue',
    title: 'Sunshare / Revenue',
    description: 'From the ledger: settled energy and revenue per site, the households\' and the company\'s shares, and each household against its annual target.',
    tags: ['revenue'],
    time: { from: 'now-90d', to: 'now' },
    refresh: '',
    variables: [sqlVariable('site', 'SELECT id FROM sites ORDER BY id', { label: 'Site', multi: true })],
  })
    .row('In the time range')
    .add(
      stat({
        title: 'Energy settled',
        w: 6,
        h: 4,
        unit: 'kwatth',
        decimals: 0,
        targets: [sql('A', `SELECT coalesce(sum(s.energy_wh), 0) / 1000.0 AS "kWh" FROM settlements s WHERE ${inRange} AND ${LATEST_SETTLEMENT}`)],
      }),
      stat({ title: 'Revenue', w: 6, h: 4, unit: YUAN, decimals: 2, targets: [sql('A', sumFen(''))] }),
      stat({ title: 'Households\' share', w: 6, h: 4, unit: YUAN, decimals: 2, targets: [sql('A', sumFen(` AND l.household_id <> ''`))] }),
      stat({ title: 'Company\'s share', w: 6, h: 4, unit: YUAN, decimals: 2, targets: [sql('A', sumFen(` AND l.household_id = ''`))] }),
    )
    .row('Daily')
    .add(
      timeseries({
        title: 'Daily revenue per site',
        description: 'Posted lines (daily and adjustments) by the day they settle.',
        w: 12,
        h: 9,
        unit: YUAN,
        bars: true,
        stack: true,
        targets: [
          sql('A', `SELECT ${dayAsTime('s.day')} AS "time", s.site_id AS metric, sum(l.amount_fen) / 100.0 AS value FROM ${LINES} WHERE ${inRange} GROUP BY s.day, s.site_id ORDER BY 1, 2`, 'time_series'),
        ],
      }),
      timeseries({
        title: 'Households and company, per day',
        w: 12,
        h: 9,
        unit: YUAN,
        bars: true,
        stack: true,
        targets: [
          sql(
            'A',
            `SELECT ${dayAsTime('s.day')} AS "time", CASE WHEN l.household_id = '' THEN 'Company' ELSE 'Households' END AS metric, sum(l.amount_fen) / 100.0 AS value ` +
              `FROM ${LINES} WHERE ${inRange} GROUP BY 1, 2 ORDER BY 1, 2`,
            'time_series',
          ),
        ],
      }),
      timeseries({
        title: 'Settled energy per site',
        description: 'From the billing truth of each settlement: grid company reads, else the revenue meter, else the inverters.',
        w: 12,
        h: 8,
        unit: 'kwatth',
        bars: true,
        stack: true,
        targets: [sql('A', `SELECT ${dayAsTime('s.day')} AS "time", s.site_id AS metric, s.energy_wh / 1000.0 AS value FROM settlements s WHERE ${inRange} AND ${LATEST_SETTLEMENT} ORDER BY 1, 2`, 'time_series')],
      }),
      timeseries({
        title: 'Inverter energy per site (ingest)',
        description: 'Daily energy from the inverters\' lifetime counters as ingest computed it (latest revision).',
        w: 12,
        h: 8,
        unit: 'kwatth',
        bars: true,
        stack: true,
        targets: [
          sql(
            'A',
            `SELECT ${dayAsTime('d.day')} AS "time", d.site_id AS metric, sum(d.energy_wh) / 1000.0 AS value FROM daily_energy_current d ` +
              `WHERE d.counter = 'ac_energy_wh' AND d.site_id IN ($site) AND ${dayInRange('d.day')} GROUP BY d.day, d.site_id ORDER BY 1, 2`,
            'time_series',
          ),
        ],
      }),
    )
    .row('Households')
    .add(
      table({
        title: 'Each household\'s year to date against its annual target',
        description: 'For the year the time range ends in; the target is prorated by the share-days held, as the payout reports do.',
        w: 24,
        h: 10,
        targets: [sql('A', HOUSEHOLD_YEAR)],
      }),
      table({
        title: 'Corrections posted',
        description: 'Site-days settled again because an input changed (late data, a corrected grid read): the difference is posted as adjustments.',
        w: 24,
        h: 8,
        targets: [
          sql(
            'A',
            `SELECT s.site_id AS "Site", s.day AS "Day", s.version AS "Version", s.energy_source AS "Energy source", s.flags AS "Flags", ` +
              `s.revenue_fen / 100.0 AS "Revenue now (yuan)", (s.revenue_fen - c.revenue_fen) / 100.0 AS "Change (yuan)", s.posted_at AS "Posted" ` +
              `FROM settlements s JOIN settlements c ON c.id = s.corrects_id WHERE ${inRange} ORDER BY s.posted_at DESC LIMIT 500`,
          ),
        ],
      }),
    )
    .build();
}

import { DashboardBuilder } from './builder.ts';
import { influxVariable, influxql, sql, textVariable } from './datasources.ts';
import { ONLINE_COLOURS, SITE, countLast, energyKwh, inState, meterEnergyKwh, sumOfLast } from './influxql.ts';
import type { Dashboard } from './model.ts';
import { barGauge, stat, table, textMappings, timeseries } from './panels.ts';

const SITE_LINK = { title: 'Site detail', url: '/d/sunshare-site/site-detail?var-site=${__data.fields.site}&${__url_time_range}' };
const SITE_LINK_BY_LABEL = { title: 'Site detail', url: '/d/sunshare-site/site-detail?var-site=${__field.labels.site}&${__url_time_range}' };
const RED_ABOVE_ZERO = [
  { color: 'green', value: null },
  { color: 'red', value: 1 },
];

/** Fleet overview: is every site online and producing, and what broke. */
export function fleetDashboard(): Dashboard {
  return new DashboardBuilder({
    uid: 'sunshare-fleet',
    title: 'Sunshare / Fleet overview',
    description: 'All sites: online/offline, power now, today against the expected, faults and the gateways spool backlog.',
    tags: ['fleet'],
    // Fleet power sums every inverter: at county scale about 1-2 s per hour shown (dashboards/bench.ts)
    time: { from: 'now-6h', to: 'now' },
    variables: [
      influxVariable('site', 'SHOW TAG VALUES FROM "inverter" WITH KEY = "site"', { label: 'Site', multi: true }),
      textVariable('expected_yield', '2.8', {
        label: 'Expected kWh/kWp/day',
        description: 'Expected daily yield per kWp (northern Guangdong: about 950-1,100 kWh/kWp a year, 2.6-3.0 a day).',
      }),
    ],
  })
    .row('Now')
    .add(
      stat({
        title: 'Gateways online',
        w: 4,
        h: 5,
        targets: [influxql('A', countLast('gateway', 'online', '"site", "gateway"', SITE, '"online" = true'))],
      }),
      stat({
        title: 'Gateways offline',
        description: 'Gateways whose last status (or last will) says offline.',
        w: 4,
        h: 5,
        thresholds: RED_ABOVE_ZERO,
        targets: [influxql('A', countLast('gateway', 'online', '"site", "gateway"', SITE, '"online" = false'))],
      }),
      stat({
        title: 'Power now',
        description: 'Sum of every inverter\'s last AC power in the last 15 minutes.',
        w: 4,
        h: 5,
        unit: 'watt',
        timeFrom: '15m',
        targets: [influxql('A', sumOfLast('inverter', 'ac_power_w', SITE))],
      }),
      barGauge({
        title: 'Energy against the expected today',
        description: 'Inverter counters since local midnight, against capacity x expected yield for the whole day.',
        w: 8,
        h: 5,
        unit: 'kwatth',
        decimals: 0,
        timeFrom: 'now/d',
        targets: [
          influxql('A', energyKwh(SITE), 'time_series', 'Today so far'),
          sql('B', `SELECT sum(capacity_w) / 1000.0 * $expected_yield AS "Expected today" FROM sites WHERE id ~ '^\${site:regex}$'`),
        ],
      }),
      stat({
        title: 'Inverters in fault',
        w: 4,
        h: 5,
        thresholds: RED_ABOVE_ZERO,
        targets: [influxql('A', countLast('inverter', 'state', '"site", "device"', SITE, `"state" = 'fault'`))],
      }),
    )
    .row('Sites')
    .add(
      table({
        title: 'Gateways',
        hideTime: true,
        description: 'Last status per gateway: online, spool backlog, batches the spool evicted, wall-clock steps since the gateway started (NTP; its timestamps never go backwards). Click a site for its detail.',
        w: 12,
        h: 9,
        links: [SITE_LINK],
        mappings: textMappings(ONLINE_COLOURS),
        targets: [
          influxql(
            'A',
            `SELECT last("online") AS "online", last("spool_batches") AS "spool_batches", last("spool_evicted_batches") AS "evicted", last("clock_jumps") AS "clock_jumps" FROM "gateway" WHERE $timeFilter AND ${SITE} GROUP BY "site", "gateway"`,
            'table',
          ),
        ],
      }),
      table({
        title: 'Sites and inverters in fault',
        hideTime: true,
        description: 'Inverters whose last reported state is fault, with their alarms.',
        w: 12,
        h: 9,
        links: [SITE_LINK],
        targets: [influxql('A', inState('fault', SITE, `"state", "alarms"`), 'table')],
      }),
    )
    .row('Production')
    .add(
      timeseries({
        title: 'Fleet power',
        description: 'Sum of the inverters\' AC power (mean per inverter per interval, then summed).',
        w: 12,
        h: 9,
        unit: 'watt',
        targets: [
          influxql(
            'A',
            `SELECT sum("p") FROM (SELECT mean("ac_power_w") AS "p" FROM "inverter" WHERE $timeFilter AND ${SITE} GROUP BY time($__interval), "site", "device" fill(none)) WHERE $timeFilter GROUP BY time($__interval) fill(null)`,
            'time_series',
            'Fleet',
          ),
        ],
      }),
      barGauge({
        title: 'Energy today per site (revenue meter)',
        description: 'Export since local midnight at each site\'s revenue meter, lowest first: a site far below its neighbours has a problem.',
        w: 12,
        h: 9,
        unit: 'kwatth',
        decimals: 0,
        timeFrom: 'now/d',
        links: [SITE_LINK_BY_LABEL],
        targets: [influxql('A', meterEnergyKwh(SITE, false), 'time_series', '$tag_site')],
      }),
      timeseries({
        title: 'Daily energy per site (revenue meter)',
        description: 'The last 7 local days, whatever the dashboard range: one series per site, cheap for a whole county.',
        timeFrom: '7d',
        w: 24,
        h: 8,
        unit: 'kwatth',
        bars: true,
        stack: true,
        targets: [influxql('A', meterEnergyKwh(SITE, true), 'time_series', '$tag_site')],
      }),
    )
    .row('Gateways and ingest')
    .add(
      timeseries({
        title: 'Gateway spool backlog',
        description: 'Batches waiting on each gateway\'s disk to be sent (grows while the uplink is down).',
        w: 8,
        h: 8,
        unit: 'short',
        targets: [influxql('A', `SELECT max("spool_batches") FROM "gateway" WHERE $timeFilter AND ${SITE} GROUP BY time($__interval), "site", "gateway" fill(null)`, 'time_series', '$tag_site / $tag_gateway')],
      }),
      timeseries({
        title: 'Spool evictions',
        description: 'Batches a full spool had to drop: lost telemetry (counters still settle money).',
        w: 8,
        h: 8,
        unit: 'short',
        targets: [influxql('A', `SELECT max("spool_evicted_batches") FROM "gateway" WHERE $timeFilter AND ${SITE} GROUP BY time($__interval), "site", "gateway" fill(null)`, 'time_series', '$tag_site / $tag_gateway')],
      }),
      timeseries({
        title: 'Delivery lag',
        description: 'Time from a batch being made on the gateway to ingest receiving it; replayed spool batches show as spikes.',
        w: 8,
        h: 8,
        unit: 'ms',
        targets: [influxql('A', `SELECT max("lag_ms") FROM "gateway_batch" WHERE $timeFilter AND ${SITE} GROUP BY time($__interval), "site", "gateway" fill(null)`, 'time_series', '$tag_site / $tag_gateway')],
      }),
    )
    .build();
}

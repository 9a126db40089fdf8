import { DashboardBuilder } from './builder.ts';
import { alarmAnnotation, ALARM_TABLE_SQL } from './alarms.ts';
import { influxVariable, influxql, sql } from './datasources.ts';
import { DEVICE, ONLINE_COLOURS, SITE, STATE_COLOURS, dailyEnergyKwh, energyKwh, sumOfLast } from './influxql.ts';
import type { Dashboard } from './model.ts';
import { stat, stateTimeline, table, textMappings, timeseries } from './panels.ts';

const INVERTER_LINK = {
  title: 'Inverter detail',
  url: '/d/sunshare-inverter/inverter-detail?var-site=${site}&var-device=${__field.labels.device}&${__url_time_range}',
};

/** One site: its inverters, daily energy, state timeline and alarms. */
export function siteDashboard(): Dashboard {
  const both = `${SITE} AND ${DEVICE}`;
  return new DashboardBuilder({
    uid: 'sunshare-site',
    title: 'Sunshare / Site detail',
    description: 'One site: power per inverter, daily energy, status timeline, alarms and device health.',
    tags: ['site'],
    annotations: [alarmAnnotation],
    variables: [
      influxVariable('site', 'SHOW TAG VALUES FROM "inverter" WITH KEY = "site"', { label: 'Site' }),
      influxVariable('device', 'SHOW TAG VALUES FROM "inverter" WITH KEY = "device" WHERE "site" =~ /^$site$/', { label: 'Inverter', multi: true }),
    ],
  })
    .row('Now')
    .add(
      stat({
        title: 'Gateway',
        w: 6,
        h: 4,
        mappings: textMappings(ONLINE_COLOURS),
        targets: [influxql('A', `SELECT last("online") FROM "gateway" WHERE $timeFilter AND ${SITE} GROUP BY "gateway"`, 'time_series', '$tag_gateway')],
      }),
      stat({ title: 'Power now', w: 6, h: 4, unit: 'watt', timeFrom: '15m', targets: [influxql('A', sumOfLast('inverter', 'ac_power_w', both))] }),
      stat({ title: 'Energy today', w: 6, h: 4, unit: 'kwatth', decimals: 1, timeFrom: 'now/d', targets: [influxql('A', energyKwh(both))] }),
      stat({
        title: 'Spool backlog',
        w: 6,
        h: 4,
        unit: 'short',
        thresholds: [
          { color: 'green', value: null },
          { color: 'orange', value: 1 },
        ],
        targets: [influxql('A', `SELECT last("spool_batches") FROM "gateway" WHERE $timeFilter AND ${SITE} GROUP BY "gateway"`, 'time_series', '$tag_gateway')],
      }),
    )
    .row('Production')
    .add(
      timeseries({
        title: 'Power per inverter',
        w: 12,
        h: 9,
        unit: 'watt',
        links: [INVERTER_LINK],
        targets: [influxql('A', `SELECT mean("ac_power_w") FROM "inverter" WHERE $timeFilter AND ${both} GROUP BY time($__interval), "device" fill(null)`, 'time_series', '$tag_device')],
      }),
      timeseries({
        title: 'Power at the revenue meter',
        description: 'As the meter reports it: SunSpec model 203 counts import as positive, so export shows below zero. Energy panels use the export counter instead.',
        w: 12,
        h: 9,
        unit: 'watt',
        targets: [influxql('A', `SELECT mean("ac_power_w") FROM "meter" WHERE $timeFilter AND ${SITE} GROUP BY time($__interval), "device" fill(null)`, 'time_series', '$tag_device')],
      }),
      timeseries({
        title: 'Daily energy per inverter',
        w: 24,
        h: 8,
        unit: 'kwatth',
        bars: true,
        stack: true,
        targets: [influxql('A', dailyEnergyKwh(both, 'device'), 'time_series', '$tag_device')],
      }),
    )
    .row('Status')
    .add(
      stateTimeline({
        title: 'Inverter state',
        w: 24,
        h: 8,
        mappings: textMappings(STATE_COLOURS),
        links: [INVERTER_LINK],
        targets: [influxql('A', `SELECT last("state") FROM "inverter" WHERE $timeFilter AND ${both} GROUP BY time($__interval), "device" fill(previous)`, 'time_series', '$tag_device')],
      }),
      stateTimeline({
        title: 'Gateway online',
        w: 24,
        h: 4,
        mappings: textMappings(ONLINE_COLOURS),
        targets: [influxql('A', `SELECT last("online") FROM "gateway" WHERE $timeFilter AND ${SITE} GROUP BY time($__interval), "gateway" fill(previous)`, 'time_series', '$tag_gateway')],
      }),
      table({
        title: 'Alarms',
        description: 'Every reading that carried alarms, newest first.',
        w: 14,
        h: 9,
        targets: [influxql('A', `SELECT "device", "state", "alarms" FROM "inverter" WHERE $timeFilter AND ${both} AND "alarms" != '' ORDER BY time DESC LIMIT 500`, 'table')],
      }),
      table({
        title: 'Device health (polling)',
        hideTime: true,
        description: 'Last poll result per device as the gateway reports it.',
        w: 10,
        h: 9,
        targets: [
          influxql(
            'A',
            `SELECT last("ok") AS "ok", last("consecutive_errors") AS "consecutive_errors", last("latency_ms") AS "latency_ms" FROM "device_health" WHERE $timeFilter AND ${SITE} GROUP BY "device"`,
            'table',
          ),
        ],
      }),
    )
    .row('Alarms')
    .add(
      table({
        title: 'Alarms (sunshare monitor)',
        description: 'Raised, acknowledged and cleared alarms of this site, with the generation they cost and the households\' part of it (ledger table alarms).',
        w: 24,
        h: 8,
        sortBy: [{ displayName: 'Raised', desc: true }],
        targets: [sql('A', ALARM_TABLE_SQL)],
      }),
    )
    .build();
}

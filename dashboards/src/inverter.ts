import { DashboardBuilder } from './builder.ts';
import { influxVariable, influxql } from './datasources.ts';
import { DEVICE, SITE, STATE_COLOURS, energyKwh } from './influxql.ts';
import type { Dashboard } from './model.ts';
import { stat, stateTimeline, table, textMappings, timeseries } from './panels.ts';

/** One inverter: every normalized field, its state, polling health and quality flags. */
export function inverterDashboard(): Dashboard {
  const one = `${SITE} AND ${DEVICE}`;
  const mean = (field: string, alias: string, refId = 'A') =>
    influxql(refId, `SELECT mean("${field}") FROM "inverter" WHERE $timeFilter AND ${one} GROUP BY time($__interval) fill(null)`, 'time_series', alias);
  return new DashboardBuilder({
    uid: 'sunshare-inverter',
    title: 'Sunshare / Inverter detail',
    description: 'One inverter: power, energy, electrical values, temperature, state, alarms, quality flags and polling health.',
    tags: ['inverter'],
    variables: [
      influxVariable('site', 'SHOW TAG VALUES FROM "inverter" WITH KEY = "site"', { label: 'Site' }),
      influxVariable('device', 'SHOW TAG VALUES FROM "inverter" WITH KEY = "device" WHERE "site" =~ /^$site$/', { label: 'Inverter' }),
    ],
  })
    .row('Now')
    .add(
      stat({
        title: 'State',
        w: 5,
        h: 4,
        mappings: textMappings(STATE_COLOURS),
        targets: [influxql('A', `SELECT last("state") FROM "inverter" WHERE $timeFilter AND ${one}`)],
      }),
      stat({ title: 'AC power', w: 5, h: 4, unit: 'watt', targets: [influxql('A', `SELECT last("ac_power_w") FROM "inverter" WHERE $timeFilter AND ${one}`)] }),
      stat({ title: 'Energy today', w: 5, h: 4, unit: 'kwatth', decimals: 1, timeFrom: 'now/d', targets: [influxql('A', energyKwh(one))] }),
      stat({
        title: 'Lifetime energy',
        w: 5,
        h: 4,
        unit: 'kwatth',
        decimals: 0,
        targets: [influxql('A', `SELECT last("ac_energy_wh") / 1000 FROM "inverter" WHERE $timeFilter AND ${one}`)],
      }),
      stat({ title: 'Temperature', w: 4, h: 4, unit: 'celsius', targets: [influxql('A', `SELECT last("temperature_c") FROM "inverter" WHERE $timeFilter AND ${one}`)] }),
    )
    .row('Power and electrical values')
    .add(
      timeseries({ title: 'AC and DC power', w: 12, h: 8, unit: 'watt', targets: [mean('ac_power_w', 'AC'), mean('dc_power_w', 'DC', 'B')] }),
      timeseries({
        title: 'Conversion efficiency',
        w: 12,
        h: 8,
        unit: 'percent',
        targets: [
          influxql(
            'A',
            `SELECT mean("ac_power_w") / mean("dc_power_w") * 100 FROM "inverter" WHERE $timeFilter AND ${one} AND "dc_power_w" > 0 GROUP BY time($__interval) fill(null)`,
            'time_series',
            'AC / DC',
          ),
        ],
      }),
      timeseries({ title: 'AC voltage', w: 6, h: 7, unit: 'volt', targets: [mean('ac_voltage_v', 'Voltage')] }),
      timeseries({ title: 'AC current', w: 6, h: 7, unit: 'amp', targets: [mean('ac_current_a', 'Current')] }),
      timeseries({ title: 'Grid frequency', w: 6, h: 7, unit: 'hertz', decimals: 2, targets: [mean('frequency_hz', 'Frequency')] }),
      timeseries({ title: 'Temperature', w: 6, h: 7, unit: 'celsius', targets: [mean('temperature_c', 'Temperature')] }),
    )
    .row('State and health')
    .add(
      stateTimeline({
        title: 'State',
        w: 24,
        h: 4,
        mappings: textMappings(STATE_COLOURS),
        targets: [influxql('A', `SELECT last("state") FROM "inverter" WHERE $timeFilter AND ${one} GROUP BY time($__interval) fill(previous)`, 'time_series', 'State')],
      }),
      timeseries({
        title: 'Polling latency and errors',
        description: 'From the gateway\'s device health: Modbus round trip and consecutive failed polls.',
        w: 12,
        h: 8,
        unit: 'ms',
        overrides: [{ matcher: { id: 'byName', options: 'Consecutive errors' }, properties: [{ id: 'unit', value: 'short' }, { id: 'custom.axisPlacement', value: 'right' }] }],
        targets: [
          influxql('A', `SELECT mean("latency_ms") FROM "device_health" WHERE $timeFilter AND ${one} GROUP BY time($__interval) fill(null)`, 'time_series', 'Latency'),
          influxql('B', `SELECT max("consecutive_errors") FROM "device_health" WHERE $timeFilter AND ${one} GROUP BY time($__interval) fill(null)`, 'time_series', 'Consecutive errors'),
        ],
      }),
      table({
        title: 'Alarms, quality flags and poll errors',
        w: 12,
        h: 8,
        targets: [
          influxql('A', `SELECT "state", "alarms", "quality" FROM "inverter" WHERE $timeFilter AND ${one} AND ("alarms" != '' OR "quality" =~ /./) ORDER BY time DESC LIMIT 500`, 'table'),
          influxql('B', `SELECT "consecutive_errors", "last_error" FROM "device_health" WHERE $timeFilter AND ${one} AND "ok" = false ORDER BY time DESC LIMIT 500`, 'table'),
        ],
      }),
    )
    .build();
}

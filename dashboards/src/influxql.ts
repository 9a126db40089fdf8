import { DEFAULT_TIME_ZONE } from '../../common/index.ts';

/**
 * InfluxQL fragments shared by the dashboards (layout: common/contract.ts MEASUREMENTS).
 * Variables use Grafana's regex form so single, multi and "All" selections all work.
 */
export const SITE = `"site" =~ /^$site$/`;
export const DEVICE = `"device" =~ /^$device$/`;
/** Local days for daily bars: the sites' time zone (China has one). */
export const LOCAL_TZ = `tz('${DEFAULT_TIME_ZONE}')`;

/** Sum over devices of each device's last value of `field` (e.g. power now). */
export function sumOfLast(measurement: string, field: string, where: string, scale = ''): string {
  return `SELECT sum("v")${scale} FROM (SELECT last("${field}") AS "v" FROM "${measurement}" WHERE $timeFilter AND ${where} GROUP BY "site", "device") WHERE $timeFilter`;
}

/** How many series (grouped by `by`) have `condition` true of their last `field`, e.g. gateways whose last status is offline. */
export function countLast(measurement: string, field: string, by: string, where: string, condition: string): string {
  return `SELECT count("${field}") FROM (SELECT last("${field}") AS "${field}" FROM "${measurement}" WHERE $timeFilter AND ${where} GROUP BY ${by}) WHERE $timeFilter AND ${condition}`;
}

/**
 * Energy from the lifetime counter in kWh: spread (max - min) per device, summed.
 * Exact for PV within a local day because nothing is produced around midnight.
 */
export function energyKwh(where: string): string {
  return `SELECT sum("e") / 1000 FROM (SELECT spread("ac_energy_wh") AS "e" FROM "inverter" WHERE $timeFilter AND ${where} GROUP BY "site", "device") WHERE $timeFilter`;
}

/**
 * Energy per site in kWh from the revenue meters' export counters: one series
 * per site, no subquery, so it stays cheap for a whole county.
 */
export function meterEnergyKwh(where: string, daily: boolean): string {
  return `SELECT spread("export_energy_wh") / 1000 FROM "meter" WHERE $timeFilter AND ${where} GROUP BY ${daily ? `time(1d), ` : ''}"site"${daily ? ` ${LOCAL_TZ}` : ''}`;
}

/** Daily energy in kWh per local day, grouped by `by` ("site" or "device"). */
export function dailyEnergyKwh(where: string, by: 'site' | 'device'): string {
  return (
    `SELECT sum("e") / 1000 FROM (SELECT spread("ac_energy_wh") AS "e" FROM "inverter" WHERE $timeFilter AND ${where} ` +
    `GROUP BY time(1d), "site", "device" ${LOCAL_TZ}) WHERE $timeFilter GROUP BY time(1d), "${by}" ${LOCAL_TZ}`
  );
}

/** The last state per inverter, keeping only those whose last state is `state`. */
export function inState(state: string, where: string, select: string): string {
  return (
    `SELECT ${select} FROM (SELECT last("state") AS "state", last("alarms") AS "alarms" FROM "inverter" ` +
    `WHERE $timeFilter AND ${where} GROUP BY "site", "device") WHERE $timeFilter AND "state" = '${state}' GROUP BY "site", "device"`
  );
}

/** Colours for the SunSpec operating states (common/contract.ts INVERTER_STATES). */
export const STATE_COLOURS: Record<string, [string, string]> = {
  mppt: ['Producing', 'green'],
  throttled: ['Throttled', 'yellow'],
  starting: ['Starting', 'blue'],
  sleeping: ['Sleeping', 'dark-blue'],
  standby: ['Standby', 'purple'],
  shutting_down: ['Shutting down', 'orange'],
  off: ['Off', 'text'],
  fault: ['Fault', 'red'],
};

export const ONLINE_COLOURS: Record<string, [string, string]> = {
  true: ['Online', 'green'],
  false: ['Offline', 'red'],
};

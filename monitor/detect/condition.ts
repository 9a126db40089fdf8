import type { MonitorConfig } from '../config.ts';
import type { Registry } from '../registry.ts';
import type { Fleet } from '../state.ts';

export const ALARM_KINDS = ['device_offline', 'gateway_offline', 'inverter_alarm', 'inverter_stuck', 'underperforming', 'site_low_pr', 'counter_anomaly', 'meter_divergence'] as const;
export type AlarmKind = (typeof ALARM_KINDS)[number];
export const SEVERITIES = ['critical', 'major', 'minor', 'warning'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Something wrong now; the alarm engine turns conditions that appear and go into raised and cleared alarms. */
export interface Condition {
  /** Stable identity: the same problem on the same device has the same key across cycles. */
  key: string;
  kind: AlarmKind;
  severity: Severity;
  site: string;
  device?: string;
  gateway?: string;
  message: string;
  details: Record<string, unknown>;
  /** The problem stops or reduces generation: its lost energy and money are counted. */
  stopsGeneration: boolean;
}

export interface DetectContext {
  fleet: Fleet;
  registry: Registry;
  config: MonitorConfig['detect'];
  /** The detection cycle number now. */
  cycle: number;
  /** Is the sun up at a site (data time)? */
  daylight: (site: string, t: number) => boolean;
  /** What a site's fresh irradiance sensor says an inverter should make per W of rating (POA/1000 x performance factor), if it has one. */
  sensorNorm?: (site: string) => number | undefined;
}

export type Detector = (ctx: DetectContext) => Condition[];

export const conditionKey = (kind: AlarmKind, site: string, device = '', detail = ''): string => [kind, site, device, detail].join(':');

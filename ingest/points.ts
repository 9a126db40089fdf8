import { Point } from '@influxdata/influxdb-client';
import { MEASUREMENTS, type GatewayStatus, type Reading } from '../common/contract.js';

/** Numeric Reading fields, written as floats under the same names (common/contract.ts MEASUREMENTS). */
const NUMERIC_FIELDS = [
  'ac_power_w',
  'ac_energy_wh',
  'dc_power_w',
  'ac_voltage_v',
  'ac_current_a',
  'frequency_hz',
  'temperature_c',
  'export_energy_wh',
  'import_energy_wh',
] as const;

/** Lifetime counters that daily energy is computed from (ledger `counter` column). */
export const COUNTER_FIELDS = ['ac_energy_wh', 'export_energy_wh', 'import_energy_wh'] as const;

const line = (p: Point): string => {
  const l = p.toLineProtocol();
  if (l === undefined) throw new Error(`point ${p.toString()} has no fields`);
  return l;
};

/** One reading as a line of the inverter or meter measurement, at the reading's own ts (ms). */
export function readingLine(site: string, gateway: string, r: Reading): string | undefined {
  const p = new Point(r.kind === 'inverter' ? MEASUREMENTS.inverter : MEASUREMENTS.meter).tag('site', site).tag('gateway', gateway).tag('device', r.device);
  let fields = 0;
  for (const f of NUMERIC_FIELDS) {
    const v = r[f];
    if (v !== undefined) {
      p.floatField(f, v);
      fields++;
    }
  }
  if (r.state !== undefined) p.stringField('state', r.state);
  if (r.alarms !== undefined) p.stringField('alarms', r.alarms.join(','));
  if (r.quality !== undefined && r.quality.length > 0) p.stringField('quality', r.quality.join(','));
  if (r.serial !== undefined) p.stringField('serial', r.serial);
  if (fields === 0 && r.state === undefined && r.alarms === undefined && r.serial === undefined) return undefined;
  return line(p.timestamp(r.ts));
}

export function batchLine(site: string, gateway: string, seq: number, sentAt: number, readings: number, receivedAt: number): string {
  return line(
    new Point(MEASUREMENTS.gatewayBatch)
      .tag('site', site)
      .tag('gateway', gateway)
      .intField('seq', seq)
      .intField('readings', readings)
      .intField('lag_ms', Math.max(0, Math.round(receivedAt - sentAt)))
      .timestamp(sentAt),
  );
}

export function statusLines(s: GatewayStatus): string[] {
  const g = new Point(MEASUREMENTS.gateway).tag('site', s.site).tag('gateway', s.gateway).booleanField('online', s.online);
  if (s.spool) g.intField('spool_bytes', s.spool.bytes).intField('spool_batches', s.spool.batches).intField('spool_evicted_batches', s.spool.evictedBatches);
  const lines = [line(g.timestamp(s.ts))];
  for (const d of s.devices ?? []) {
    const p = new Point(MEASUREMENTS.deviceHealth)
      .tag('site', s.site)
      .tag('gateway', s.gateway)
      .tag('device', d.device)
      .booleanField('ok', d.ok)
      .intField('consecutive_errors', d.consecutiveErrors);
    if (d.latencyMs !== undefined) p.floatField('latency_ms', d.latencyMs);
    if (d.lastError !== undefined) p.stringField('last_error', d.lastError);
    lines.push(line(p.timestamp(s.ts)));
  }
  return lines;
}

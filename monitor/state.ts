import type { GatewayStatus, Reading, TelemetryBatch } from '../common/contract.ts';
import { deviceKey } from './registry.ts';

/** One reading kept for the detectors: data time (the reading's ts) and the values they use. */
export interface Sample {
  ts: number;
  acW: number | undefined;
  energyWh: number | undefined;
  exportWh: number | undefined;
}

export interface DeviceState {
  site: string;
  device: string;
  gateway: string;
  kind: Reading['kind'];
  last: Reading;
  /** The detection cycle in which the last reading arrived. */
  lastCycle: number;
  samples: Sample[];
  /** Readings in a row with the same power (above zero) and the same counter. */
  identicalRun: number;
  /** Daylight data time spent below the site's peers, ms. */
  belowPeersMs: number;
  /** The last counter anomaly seen, and the cycle it was seen in. */
  counterAnomaly?: { cycle: number; reason: string; ts: number };
}

export interface GatewayState {
  site: string;
  gateway: string;
  online: boolean;
  ts: number;
}

/** An irradiance sensor's newest reading at a site, and its plane-of-array insolation so far. */
export interface SensorState {
  ts: number;
  poaWm2: number;
  /** The detection cycle in which it arrived. */
  cycle: number;
  /** Insolation, Wh/m2, and time covered by readings, ms, per 15-minute bucket (key: the bucket's start, epoch ms). */
  buckets: Map<number, { whM2: number; coveredMs: number }>;
}

const KEEP_MS = 3 * 3_600_000;
export const SENSOR_BUCKET_MS = 15 * 60_000;
/** Two sensor readings further apart than this leave a gap: nothing is integrated across it. */
const SENSOR_MAX_GAP_MS = 10 * 60_000;
const SENSOR_KEEP_MS = 3 * 86_400_000;
const KEEP_SAMPLES = 5000;

/** What the monitor knows of the fleet now, from telemetry and gateway status. */
export class Fleet {
  readonly devices = new Map<string, DeviceState>();
  readonly gateways = new Map<string, GatewayState>();
  /** Per site: its irradiance sensor, from any reading that carries `poa_irradiance_w_m2`. */
  readonly sensors = new Map<string, SensorState>();
  /** Data time of the newest reading seen. */
  dataNow = 0;
  private readonly counterJumpFactor: number;
  private readonly ratedOf: (site: string, device: string) => number | null;

  constructor(counterJumpFactor: number, ratedOf: (site: string, device: string) => number | null) {
    this.counterJumpFactor = counterJumpFactor;
    this.ratedOf = ratedOf;
  }

  addBatch(batch: TelemetryBatch, cycle: number): void {
    for (const r of batch.readings) this.addReading(batch.site, batch.gateway, r, cycle);
  }

  addStatus(status: GatewayStatus): void {
    const key = deviceKey(status.site, status.gateway);
    const prev = this.gateways.get(key);
    if (prev && prev.ts > status.ts) return;
    this.gateways.set(key, { site: status.site, gateway: status.gateway, online: status.online, ts: status.ts });
  }

  private addReading(site: string, gateway: string, r: Reading, cycle: number): void {
    const key = deviceKey(site, r.device);
    const prev = this.devices.get(key);
    if (prev && r.ts <= prev.last.ts) return; // a replayed or duplicate reading adds nothing
    const sample: Sample = { ts: r.ts, acW: r.ac_power_w, energyWh: r.ac_energy_wh, exportWh: r.export_energy_wh };
    const state: DeviceState = prev ?? { site, device: r.device, gateway, kind: r.kind, last: r, lastCycle: cycle, samples: [], identicalRun: 0, belowPeersMs: 0 };
    if (prev) {
      const p = prev.last;
      const same = r.ac_power_w !== undefined && r.ac_power_w > 0 && r.ac_power_w === p.ac_power_w && r.ac_energy_wh === p.ac_energy_wh;
      state.identicalRun = same ? state.identicalRun + 1 : 0;
      const anomaly = this.counterAnomaly(site, p, r);
      if (anomaly) state.counterAnomaly = { cycle, reason: anomaly, ts: r.ts };
    } else if (r.quality?.includes('energy_backwards')) state.counterAnomaly = { cycle, reason: 'the counter went backwards', ts: r.ts };
    state.gateway = gateway;
    state.last = r;
    state.lastCycle = cycle;
    state.samples.push(sample);
    while (state.samples.length > KEEP_SAMPLES || (state.samples.length > 2 && state.samples[0]!.ts < r.ts - KEEP_MS)) state.samples.shift();
    this.devices.set(key, state);
    if (r.ts > this.dataNow) this.dataNow = r.ts;
    if (r.poa_irradiance_w_m2 !== undefined) this.addSensor(site, r.ts, r.poa_irradiance_w_m2, cycle);
  }

  /** Integrates the sensor's irradiance (trapezoids between readings at most 10 minutes apart) into 15-minute buckets. */
  private addSensor(site: string, ts: number, poaWm2: number, cycle: number): void {
    const prev = this.sensors.get(site);
    if (prev && ts <= prev.ts) return;
    const sensor: SensorState = prev ?? { ts, poaWm2, cycle, buckets: new Map() };
    if (prev && ts - prev.ts <= SENSOR_MAX_GAP_MS) {
      const bucket = Math.floor((prev.ts + ts) / 2 / SENSOR_BUCKET_MS) * SENSOR_BUCKET_MS;
      const b = sensor.buckets.get(bucket) ?? { whM2: 0, coveredMs: 0 };
      b.whM2 += (((prev.poaWm2 + poaWm2) / 2) * (ts - prev.ts)) / 3_600_000;
      b.coveredMs += ts - prev.ts;
      sensor.buckets.set(bucket, b);
      for (const k of sensor.buckets.keys()) if (k < ts - SENSOR_KEEP_MS) sensor.buckets.delete(k);
    }
    Object.assign(sensor, { ts, poaWm2, cycle });
    this.sensors.set(site, sensor);
  }

  /** A site's sensor irradiance, W/m2, if a sensor reading arrived within the last `maxCycles` cycles. */
  sensorPoa(site: string, cycle: number, maxCycles: number): number | undefined {
    const s = this.sensors.get(site);
    return s && cycle - s.cycle <= maxCycles ? s.poaWm2 : undefined;
  }

  /**
   * A site's plane-of-array insolation over [from, to) from its sensor, Wh/m2 (bucket
   * boundaries: 15 minutes), if its readings covered at least `minCoverage` of that time.
   */
  sensorInsolation(site: string, from: number, to: number, minCoverage = 0.9): number | undefined {
    const s = this.sensors.get(site);
    if (!s || to <= from) return undefined;
    let whM2 = 0;
    let covered = 0;
    for (const [k, b] of s.buckets) {
      if (k < from || k >= to) continue;
      whM2 += b.whM2;
      covered += b.coveredMs;
    }
    return covered >= minCoverage * (to - from) ? whM2 : undefined;
  }

  private counterAnomaly(site: string, p: Reading, r: Reading): string | undefined {
    const field = r.kind === 'meter' ? 'export_energy_wh' : 'ac_energy_wh';
    const a = p[field];
    const b = r[field];
    if (r.quality?.includes('energy_backwards') || (a !== undefined && b !== undefined && b < a)) return `the counter went backwards (${a} -> ${b} Wh)`;
    const rated = this.ratedOf(site, r.device);
    if (a === undefined || b === undefined || rated === null) return undefined;
    const hours = (r.ts - p.ts) / 3_600_000;
    const most = rated * hours * this.counterJumpFactor + 1;
    if (b - a > most) return `the counter jumped ${Math.round(b - a)} Wh in ${Math.round((r.ts - p.ts) / 1000)} s (at most ${Math.round(most)} Wh at the rating)`;
    return undefined;
  }

  /** Devices of a site. */
  ofSite(site: string): DeviceState[] {
    return [...this.devices.values()].filter((d) => d.site === site);
  }
}

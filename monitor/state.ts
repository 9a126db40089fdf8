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

const KEEP_MS = 3 * 3_600_000;
const KEEP_SAMPLES = 5000;

/** What the monitor knows of the fleet now, from telemetry and gateway status. */
export class Fleet {
  readonly devices = new Map<string, DeviceState>();
  readonly gateways = new Map<string, GatewayState>();
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

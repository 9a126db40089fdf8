import type { Alarm } from '../alarms/store.ts';
import type { Registry } from '../registry.ts';
import { deviceKey } from '../registry.ts';
import type { Fleet } from '../state.ts';

/** Clear-sky expected AC power of a site's inverters (W) at a data time: the fallback when no peer kept producing. */
export type ClearSkyPower = (site: string, ratedW: number, t: number) => number;
/** The clear-sky index nearby sites saw at a data time, if any could tell. */
export type Clearness = (site: string, t: number) => number | undefined;
/** Expected AC power of a site's `ratedW` from its fresh irradiance sensor (W), if it has one now. */
export type SensorPower = (site: string, ratedW: number) => number | undefined;

interface Tracked {
  alarm: Alarm;
  /** Inverters whose generation the alarm stops or reduces. */
  affected: string[];
  /** Counters (Wh) at the start, of the affected inverters and of their healthy peers. */
  start: Map<string, number>;
  peers: string[];
  /** Clear-sky energy integrated while no peer can tell, Wh, and the data time integrated up to. */
  clearSkyWh: number;
  /** Sensor-expected energy integrated, Wh, while the site's sensor was fresh at every step so far (else undefined). */
  sensorWh: number | undefined;
  firstT: number;
  lastT: number;
}

/**
 * Lost energy of alarms that stop or reduce generation: expected minus actual
 * over the alarm's span. Expected is the affected inverters' rating times
 * what their healthy peers made per W of rating (counter deltas: the same sun
 * and clouds); with no peer producing (a whole site dark) it is the clear-sky
 * model, scaled by the clear-sky index nearby sites saw meanwhile. A site
 * whose irradiance sensor was fresh over the whole span is expected to make
 * rating x POA/1000 x the performance factor instead (reference 'sensor'). Actual is the affected inverters' own counter deltas, so an inverter
 * that was only unreachable and kept producing loses nothing once its counter
 * is read again. One alarm per inverter counts (the first raised).
 */
export class LossTracker {
  private readonly tracked = new Map<string, Tracked>();
  private readonly fleet: Fleet;
  private readonly registry: () => Registry;
  private readonly clearSky: ClearSkyPower;
  private readonly clearness: Clearness;
  private readonly sensor: SensorPower;

  constructor(fleet: Fleet, registry: () => Registry, clearSky: ClearSkyPower, clearness: Clearness = () => undefined, sensor: SensorPower = () => undefined) {
    this.fleet = fleet;
    this.registry = registry;
    this.clearSky = clearSky;
    this.clearness = clearness;
    this.sensor = sensor;
  }

  private counter(site: string, device: string): number | undefined {
    return this.fleet.devices.get(deviceKey(site, device))?.last.ac_energy_wh;
  }

  private inverters(site: string): string[] {
    return [...this.registry().devices.values()].filter((d) => d.site === site && d.kind === 'inverter').map((d) => d.id);
  }

  private rated(site: string, device: string): number {
    return this.registry().devices.get(deviceKey(site, device))?.ratedW ?? 0;
  }

  /** Starts or stops tracking to match the open alarms. */
  sync(open: readonly Alarm[]): void {
    const openIds = new Set(open.map((a) => a.id));
    for (const id of this.tracked.keys()) if (!openIds.has(id)) this.tracked.delete(id);
    const taken = new Set([...this.tracked.values()].flatMap((t) => t.affected.map((d) => deviceKey(t.alarm.site, d))));
    for (const a of [...open].sort((x, y) => x.raisedAt - y.raisedAt)) {
      if (!a.stopsGeneration || this.tracked.has(a.id)) continue;
      const all = this.inverters(a.site);
      const affected = (a.device ? all.filter((d) => d === a.device) : all).filter((d) => !taken.has(deviceKey(a.site, d)));
      if (affected.length === 0) continue;
      for (const d of affected) taken.add(deviceKey(a.site, d));
      const peers = all.filter((d) => !taken.has(deviceKey(a.site, d)));
      const start = new Map<string, number>();
      for (const d of [...affected, ...peers]) {
        const c = this.counter(a.site, d);
        if (c !== undefined) start.set(d, c);
      }
      this.tracked.set(a.id, { alarm: a, affected, start, peers: peers.filter((d) => start.has(d)), clearSkyWh: 0, sensorWh: 0, firstT: this.fleet.dataNow, lastT: this.fleet.dataNow });
    }
  }

  /** Integrates the clear-sky fallback up to the data time now. */
  advance(t: number): void {
    for (const tr of this.tracked.values()) {
      if (t <= tr.lastT) continue;
      const ratedW = tr.affected.reduce((s, d) => s + this.rated(tr.alarm.site, d), 0);
      const mid = (tr.lastT + t) / 2;
      const k = this.clearness(tr.alarm.site, mid) ?? 1;
      tr.clearSkyWh += (this.clearSky(tr.alarm.site, ratedW, mid) * k * (t - tr.lastT)) / 3_600_000;
      const sensorW = this.sensor(tr.alarm.site, ratedW);
      tr.sensorWh = sensorW === undefined || tr.sensorWh === undefined ? undefined : tr.sensorWh + (sensorW * (t - tr.lastT)) / 3_600_000;
      tr.lastT = t;
    }
  }

  /** Expected, actual and lost energy of a tracked alarm so far, Wh; undefined if the alarm is not tracked. */
  lost(alarmId: string): { expectedWh: number; actualWh: number; lostWh: number; reference: 'sensor' | 'peers' | 'clear_sky' } | undefined {
    const tr = this.tracked.get(alarmId);
    if (!tr) return undefined;
    const site = tr.alarm.site;
    const delta = (d: string) => {
      const s = tr.start.get(d);
      const c = this.counter(site, d);
      return s === undefined || c === undefined ? 0 : Math.max(0, c - s);
    };
    const actualWh = tr.affected.reduce((s, d) => s + delta(d), 0);
    const ratedAffected = tr.affected.reduce((s, d) => s + this.rated(site, d), 0);
    const peerRated = tr.peers.reduce((s, d) => s + this.rated(site, d), 0);
    const peerWh = tr.peers.reduce((s, d) => s + delta(d), 0);
    const usePeers = peerRated > 0 && tr.peers.length > 0;
    const useSensor = tr.sensorWh !== undefined && tr.lastT > tr.firstT;
    const expectedWh = useSensor ? tr.sensorWh! : usePeers ? (ratedAffected * peerWh) / peerRated : tr.clearSkyWh;
    const reference = useSensor ? 'sensor' : usePeers ? 'peers' : 'clear_sky';
    return { expectedWh, actualWh, lostWh: Math.max(0, expectedWh - actualWh), reference };
  }
}

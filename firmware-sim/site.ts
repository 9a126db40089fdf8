import { SunshareError } from '../common/errors.ts';
import { dayBounds, localDay } from '../common/index.ts';
import { parseStart } from './clock.ts';
import { isMeterProfile, type SimConfig } from './config.ts';
import { SimulatedDevice } from './devices/device.ts';
import type { Fault } from './faults.ts';
import { environmentAt } from './physics/pv.ts';
import type { SiteGeometry } from './physics/solar.ts';
import { Weather } from './physics/weather.ts';

/** Longest integration step, sim ms: power is sampled at least this often. */
export const MAX_STEP_MS = 60_000;

interface Scheduled {
  at: number;
  deviceId: string;
  fault?: Fault;
  /** Set for the end of a lasting fault. */
  clear?: Fault['kind'];
}

/**
 * One site's devices moved through time together: the sun and weather are
 * computed once per step, each inverter's power from them, and the meter
 * sees the sum less losses. Counters are the trapezoid integral of power,
 * so counter deltas and power agree.
 */
export class Site {
  readonly devices: SimulatedDevice[];
  readonly meter: SimulatedDevice | undefined;
  readonly inverters: SimulatedDevice[];
  /** Plant-level devices (a SmartLogger's unit 0): the sum of the inverters. */
  readonly aggregates: SimulatedDevice[];
  private readonly byId: Map<string, SimulatedDevice>;
  private readonly geometry: SiteGeometry;
  private readonly weather: Weather;
  private t: number;
  private nextMidnight: number;
  private schedule: Scheduled[] = [];

  private readonly config: SimConfig;

  constructor(
    config: SimConfig,
    start: number,
  ) {
    this.config = config;
    const s = config.site;
    this.geometry = { latitude: s.latitude, longitude: s.longitude, tiltDeg: s.tiltDeg, azimuthDeg: s.azimuthDeg };
    this.weather = new Weather(config.seed, s.longitude);
    const invRated = config.devices.filter((d) => !isMeterProfile(d.profile) && !d.aggregate).reduce((sum, d) => sum + (d.ratedPowerW ?? 0), 0);
    this.devices = config.devices.map((d) => new SimulatedDevice(d, config.seed, d.aggregate ? (d.ratedPowerW ?? invRated) : Math.round(invRated * 1.1)));
    this.byId = new Map(this.devices.map((d) => [d.id, d]));
    this.meter = this.devices.find((d) => d.kind === 'meter');
    this.inverters = this.devices.filter((d) => d.kind === 'inverter' && !d.config.aggregate);
    this.aggregates = this.devices.filter((d) => d.config.aggregate);
    this.t = start;
    this.nextMidnight = this.midnightAfter(start);
    for (const d of config.devices) {
      for (const f of d.faults) {
        const at = typeof f.at === 'number' ? start + f.at * 1000 : parseStart(f.at, s.timezone);
        this.schedule.push({ at, deviceId: d.id, fault: f.fault });
        if (f.durationS !== undefined) this.schedule.push({ at: at + f.durationS * 1000, deviceId: d.id, clear: f.fault.kind });
      }
    }
    this.schedule.sort((a, b) => a.at - b.at);
    this.sample(start);
  }

  get time(): number {
    return this.t;
  }

  device(id: string): SimulatedDevice {
    const d = this.byId.get(id);
    if (!d) throw new SunshareError('SIM_DEVICE_UNKNOWN', `no simulated device ${id}`, { details: [`devices: ${[...this.byId.keys()].join(', ')}`] });
    return d;
  }

  private midnightAfter(t: number): number {
    const tz = this.config.site.timezone;
    return dayBounds(localDay(t, tz), tz).end;
  }

  /** Recomputes the instantaneous values now (after a fault changed what a device produces). */
  resample(): void {
    this.sample(this.t);
  }

  /** Sets every device's instantaneous values at time t (no integration). */
  private sample(t: number): void {
    const env = environmentAt(t, this.geometry, this.weather);
    let sum = 0;
    for (const d of this.inverters) {
      const out = d.output(env);
      d.acW = out.acW;
      d.dcW = out.dcW;
      d.cellC = out.cellC;
      d.ambientC = env.ambientC;
      d.poaWm2 = env.poa;
      d.ghiWm2 = env.ghi;
      d.pvState = out.state;
      d.t = t;
      sum += out.acW;
    }
    for (const a of this.aggregates) {
      const trip = a.hasFault('trip');
      a.acW = trip ? 0 : sum;
      a.dcW = trip ? 0 : this.inverters.reduce((x, d) => x + d.dcW, 0);
      a.cellC = this.inverters[0]?.cellC ?? env.ambientC;
      a.ambientC = env.ambientC;
      a.poaWm2 = env.poa;
      a.ghiWm2 = env.ghi;
      a.pvState = trip ? 'fault' : (this.inverters[0]?.pvState ?? 'sleeping');
      a.t = t;
    }
    if (this.meter) {
      const m = this.meter;
      const net = sum * (1 - m.config.lossFraction) - m.config.auxW;
      m.acW = m.hasFault('trip') ? 0 : -net * m.meterGain();
      m.ambientC = env.ambientC;
      m.t = t;
    }
  }

  /** Integrates from the current time to t in steps of at most MAX_STEP_MS, applying scheduled faults on time. */
  advanceTo(t: number): void {
    this.applyDue();
    while (this.t < t) {
      const e = this.schedule[0];
      this.integrate(e && e.at < t ? e.at : t);
      this.applyDue();
    }
  }

  private applyDue(): void {
    let applied = false;
    while (this.schedule[0] && this.schedule[0].at <= this.t) {
      const e = this.schedule.shift()!;
      const d = this.device(e.deviceId);
      if (e.fault) d.applyFault(e.fault);
      else d.clearFault(e.clear);
      applied = true;
    }
    if (applied) this.sample(this.t);
  }

  private integrate(to: number): void {
    const from = this.t;
    if (to <= from) return;
    const steps = Math.ceil((to - from) / MAX_STEP_MS);
    for (let k = 1; k <= steps; k++) {
      const t0 = this.t;
      const t1 = k === steps ? to : from + ((to - from) * k) / steps;
      const hours = (t1 - t0) / 3_600_000;
      const before = this.devices.map((d) => [d.acW, d.dcW] as const);
      this.sample(t1);
      this.devices.forEach((d, i) => {
        const [ac0, dc0] = before[i]!;
        const ac = ((ac0 + d.acW) / 2) * hours;
        if (d.kind === 'inverter') {
          d.counterWh += ac;
          d.producedWh += ac;
          d.dcEnergyWh += ((dc0 + d.dcW) / 2) * hours;
        } else if (ac < 0) {
          d.counterWh -= ac;
          d.producedWh -= ac;
        } else {
          d.importWh += ac;
        }
      });
      this.t = t1;
      if (t1 >= this.nextMidnight) {
        for (const d of this.devices) d.dayStartCounterWh = d.counterWh;
        this.nextMidnight = this.midnightAfter(t1);
      }
    }
  }
}

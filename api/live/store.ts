import type { DeviceHealth, GatewayStatus, Reading, TelemetryBatch } from '../../common/contract.ts';
import { DEFAULT_TIME_ZONE, localDay } from '../../common/index.ts';

/**
 * What the API knows "now" about each site, fed from the gateways' MQTT
 * status and telemetry (see feed.ts), so live views never wait on InfluxDB.
 *
 * - online: a gateway of the site said online and was heard from within `offlineAfterMs` (wall clock)
 * - power now: the sum of the latest inverter AC power (the meter's, if the site has no inverter readings)
 * - energy today: counter differences since the first reading of the site's local day, from the
 *   revenue meter's export counter when there is one, else the inverters' lifetime counters
 * - the day's power curve: one point per `bucketMs` of reading time
 * "Today" follows the readings' own timestamps, so an accelerated simulated clock works too.
 */
export interface SiteLive {
  site: string;
  online: boolean;
  lastSeenAt?: number;
  lastReadingAt?: number;
  day?: string;
  powerW?: number;
  energyTodayWh?: number;
  gateways: GatewayLive[];
}

export interface GatewayLive {
  gateway: string;
  online: boolean;
  lastSeenAt: number;
  statusTs?: number;
  version?: string;
  lastSeq?: number;
  spool?: GatewayStatus['spool'];
  clock?: GatewayStatus['clock'];
  devices: DeviceHealth[];
}

export interface DeviceLive {
  device: string;
  kind: Reading['kind'];
  gateway: string;
  ts: number;
  acPowerW?: number;
  state?: string;
  alarms?: string[];
  quality?: string[];
  energyTodayWh?: number;
}

interface CounterDay {
  day: string;
  firstWh: number;
  lastWh: number;
}

interface SiteState {
  gateways: Map<string, GatewayLive>;
  devices: Map<string, DeviceLive>;
  counters: Map<string, CounterDay>; // device -> the counter that settles it
  meters: Set<string>;
  day?: string;
  lastReadingAt?: number;
  curve: Map<number, number>; // bucket start -> power W
}

export interface LiveStoreOptions {
  offlineAfterMs?: number;
  bucketMs?: number;
  timeZoneOf?: (site: string) => string;
  now?: () => number;
}

export class LiveStatusStore {
  private readonly states = new Map<string, SiteState>();
  private readonly offlineAfterMs: number;
  private readonly bucketMs: number;
  private readonly timeZoneOf: (site: string) => string;
  private readonly now: () => number;
  lastMessageAt?: number;

  constructor(opts: LiveStoreOptions = {}) {
    this.offlineAfterMs = opts.offlineAfterMs ?? 60_000;
    this.bucketMs = opts.bucketMs ?? 5 * 60_000;
    this.timeZoneOf = opts.timeZoneOf ?? (() => DEFAULT_TIME_ZONE);
    this.now = opts.now ?? Date.now;
  }

  siteIds(): string[] {
    return [...this.states.keys()];
  }

  /**
   * Today's counter so far for a device, from before this process started
   * (see seed.ts), so energy today is whole after an API restart. Ignored
   * once live readings have started the device's day.
   */
  seedCounter(site: string, device: string, meter: boolean, day: string, firstWh: number, lastWh: number): void {
    const st = this.state(site);
    if (st.day !== undefined && day < st.day) return;
    if (st.day === undefined || day > st.day) this.startDay(st, day);
    if (st.counters.has(device) || lastWh < firstWh) return;
    st.counters.set(device, { day, firstWh, lastWh });
    if (meter) st.meters.add(device);
  }

  applyStatus(status: GatewayStatus): void {
    const st = this.state(status.site);
    const prev = st.gateways.get(status.gateway);
    st.gateways.set(status.gateway, {
      gateway: status.gateway,
      online: status.online,
      lastSeenAt: this.touch(),
      statusTs: status.ts,
      version: status.version ?? prev?.version,
      lastSeq: prev?.lastSeq,
      spool: status.spool ?? prev?.spool,
      clock: status.clock ?? prev?.clock,
      devices: status.devices ?? prev?.devices ?? [],
    });
  }

  applyTelemetry(batch: TelemetryBatch): void {
    const st = this.state(batch.site);
    const gw = st.gateways.get(batch.gateway);
    const seenAt = this.touch();
    if (gw) {
      gw.lastSeenAt = seenAt;
      gw.lastSeq = Math.max(gw.lastSeq ?? -1, batch.seq);
    } else {
      // Telemetry flowing means the gateway is up, even before its retained status arrives.
      st.gateways.set(batch.gateway, { gateway: batch.gateway, online: true, lastSeenAt: seenAt, lastSeq: batch.seq, devices: [] });
    }
    const tz = this.timeZoneOf(batch.site);
    let latest = st.lastReadingAt ?? 0;
    for (const r of batch.readings) {
      const prev = st.devices.get(r.device);
      if (prev && prev.ts > r.ts) continue; // a replayed, older reading says nothing about now
      const day = localDay(r.ts, tz);
      if (st.day === undefined || day > st.day) this.startDay(st, day);
      st.devices.set(r.device, {
        device: r.device,
        kind: r.kind,
        gateway: batch.gateway,
        ts: r.ts,
        acPowerW: r.ac_power_w,
        state: r.state,
        alarms: r.alarms,
        quality: r.quality,
        energyTodayWh: this.count(st, r, day),
      });
      latest = Math.max(latest, r.ts);
    }
    st.lastReadingAt = latest || undefined;
    if (latest > 0 && st.day === localDay(latest, tz)) {
      const power = this.powerOf(st);
      if (power !== undefined) st.curve.set(Math.floor(latest / this.bucketMs) * this.bucketMs, power);
    }
  }

  site(site: string): SiteLive {
    const st = this.states.get(site);
    if (!st) return { site, online: false, gateways: [] };
    const now = this.now();
    const gateways = [...st.gateways.values()].map((g) => ({ ...g, online: g.online && now - g.lastSeenAt <= this.offlineAfterMs }));
    const lastSeenAt = Math.max(0, ...gateways.map((g) => g.lastSeenAt)) || undefined;
    return {
      site,
      online: gateways.some((g) => g.online),
      lastSeenAt,
      lastReadingAt: st.lastReadingAt,
      day: st.day,
      powerW: gateways.some((g) => g.online) ? this.powerOf(st) : 0,
      energyTodayWh: this.energyOf(st),
      gateways,
    };
  }

  devices(site: string): DeviceLive[] {
    return [...(this.states.get(site)?.devices.values() ?? [])];
  }

  /** Today's power curve as [bucket start epoch ms, W] pairs, oldest first. */
  curve(site: string): { day?: string; points: [number, number][] } {
    const st = this.states.get(site);
    if (!st) return { points: [] };
    return { day: st.day, points: [...st.curve.entries()].sort((a, b) => a[0] - b[0]) };
  }

  private state(site: string): SiteState {
    let st = this.states.get(site);
    if (!st) {
      st = { gateways: new Map(), devices: new Map(), counters: new Map(), meters: new Set(), curve: new Map() };
      this.states.set(site, st);
    }
    return st;
  }

  private touch(): number {
    this.lastMessageAt = this.now();
    return this.lastMessageAt;
  }

  private startDay(st: SiteState, day: string): void {
    st.day = day;
    st.curve.clear();
    // Yesterday's last counter value is today's baseline, so energy between the last read of the
    // old day and the first of the new one is not lost.
    for (const c of st.counters.values()) {
      c.day = day;
      c.firstWh = c.lastWh;
    }
  }

  /** Updates the device's day counter and returns its energy so far today. */
  private count(st: SiteState, r: Reading, day: string): number | undefined {
    const wh = r.kind === 'meter' ? r.export_energy_wh : r.ac_energy_wh;
    const c = st.counters.get(r.device);
    if (wh === undefined || day !== st.day) return this.delta(c);
    if (r.kind === 'meter') st.meters.add(r.device);
    if (!c) st.counters.set(r.device, { day, firstWh: wh, lastWh: wh });
    else if (wh < c.lastWh) {
      // a counter reset or replaced device: keep today's energy so far and count on from the new value
      c.firstWh = wh - (c.lastWh - c.firstWh);
      c.lastWh = wh;
    } else c.lastWh = wh;
    return this.delta(st.counters.get(r.device));
  }

  private delta(c: CounterDay | undefined): number | undefined {
    return c ? Math.max(0, c.lastWh - c.firstWh) : undefined;
  }

  private powerOf(st: SiteState): number | undefined {
    let inverters: number | undefined;
    let meters: number | undefined;
    for (const d of st.devices.values()) {
      if (d.acPowerW === undefined) continue;
      if (d.kind === 'inverter') inverters = (inverters ?? 0) + d.acPowerW;
      else meters = (meters ?? 0) + d.acPowerW;
    }
    return inverters ?? meters;
  }

  private energyOf(st: SiteState): number | undefined {
    const useMeters = st.meters.size > 0;
    let sum: number | undefined;
    for (const [device, c] of st.counters) {
      if (c.day !== st.day || st.meters.has(device) !== useMeters) continue;
      sum = (sum ?? 0) + Math.max(0, c.lastWh - c.firstWh);
    }
    return sum === undefined ? undefined : Math.round(sum);
  }
}

import { startSim, type SimHandle } from '../firmware-sim/index.ts';
import type { DemoSite } from './seed.ts';

/**
 * One simulator per site (a simulator is one site's sun and weather), every
 * device on a free TCP port by unit id, all on the same accelerated clock.
 */
export interface SimDevice {
  id: string;
  port: number;
  unitId: number;
  ratedPowerW?: number;
}

export interface SimSites {
  devicesOf(site: string): SimDevice[];
  /** Simulated time now (the first site's clock; all start together). */
  now(): number;
  /** The simulated time of a site at a real instant: the clocks are linear, so this is exact. */
  simAt(site: string, realMs: number): number;
  /** Every device's lifetime counter now, Wh, by site and device. */
  counters(): Record<string, Record<string, number>>;
  stop(): Promise<void>;
}

export async function startSimSites(
  sites: DemoSite[],
  opts: { start: number; speed: number; seed: number; host: string; timeZone: string; counters?: Record<string, Record<string, number>> },
): Promise<SimSites> {
  const handles = new Map<string, SimHandle>();
  try {
    for (const [i, site] of sites.entries()) {
      const counter = (device: string, fresh: number) => opts.counters?.[site.id]?.[device] ?? fresh;
      const handle = await startSim({
        site: { id: site.id, latitude: 24.78 + i * 0.01, longitude: 113.28 + i * 0.01, timezone: opts.timeZone },
        seed: opts.seed + i,
        clock: { start: new Date(opts.start).toISOString(), speed: opts.speed },
        tcp: { host: opts.host, port: 0 },
        control: { enabled: false },
        devices: [
          ...site.inverters.map((inv, k) => ({ id: inv.id, profile: 'sunspec', unitId: k + 1, ratedPowerW: inv.ratedW, initialEnergyWh: counter(inv.id, 40_000_000 + k * 1_000_000) })),
          { id: site.meter, profile: 'sunspec-meter', unitId: 100, initialEnergyWh: counter(site.meter, 200_000_000) },
        ],
      });
      handles.set(site.id, handle);
    }
  } catch (err) {
    for (const h of handles.values()) await h.stop().catch(() => undefined);
    throw err;
  }
  const first = handles.values().next().value as SimHandle;
  return {
    devicesOf(site) {
      const h = handles.get(site);
      if (!h) return [];
      return h.devices.map((d) => ({ id: d.id, port: d.port, unitId: d.unitId, ratedPowerW: d.ratedPowerW }));
    },
    now: () => first.clock.now(),
    simAt(site, realMs) {
      const h = handles.get(site) ?? first;
      return h.clock.now() - (Date.now() - realMs) * h.clock.speed;
    },
    counters() {
      const out: Record<string, Record<string, number>> = {};
      for (const [site, h] of handles) out[site] = Object.fromEntries(h.devices.map((d) => [d.id, h.truth(d.id).counterWh]));
      return out;
    },
    async stop() {
      for (const h of handles.values()) await h.stop();
    },
  };
}

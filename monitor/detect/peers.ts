import { deviceKey } from '../registry.ts';
import type { DeviceState } from '../state.ts';
import { conditionKey, type Condition, type DetectContext } from './condition.ts';

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/**
 * An inverter making, per kW of rating, `peerShortfall` less than the median
 * of the other inverters of its site, for `peerMinutes` of daylight (data
 * time). Passing clouds cover a site's inverters together, so a shortfall
 * against the peers is the inverter's own (a failed string, soiling, shade).
 * Inverters that are offline, stuck or alarmed are no one's peers. A site
 * with a fresh irradiance sensor is compared with what the sensor says
 * instead (a lone inverter too, and a fault common to all of them is seen).
 */
export class PeerWatch {
  private readonly lastTs = new Map<string, number>();

  detect(ctx: DetectContext): Condition[] {
    const out: Condition[] = [];
    const bySite = new Map<string, { d: DeviceState; rated: number; norm: number }[]>();
    for (const d of ctx.fleet.devices.values()) {
      if (d.kind !== 'inverter' || ctx.cycle - d.lastCycle >= ctx.config.offlineCycles) continue;
      const rated = ctx.registry.devices.get(deviceKey(d.site, d.device))?.ratedW;
      if (!rated || d.last.ac_power_w === undefined) continue;
      if (d.identicalRun + 1 >= ctx.config.stuckReadings || (d.last.alarms?.length ?? 0) > 0 || d.last.state === 'fault') continue;
      const list = bySite.get(d.site) ?? [];
      list.push({ d, rated, norm: Math.max(0, d.last.ac_power_w) / rated });
      bySite.set(d.site, list);
    }
    for (const [site, list] of bySite) {
      const now = Math.max(...list.map((x) => x.d.last.ts));
      const dt = Math.max(0, now - (this.lastTs.get(site) ?? now));
      this.lastTs.set(site, now);
      const sensor = ctx.sensorNorm?.(site);
      if ((sensor === undefined && list.length < 2) || !ctx.daylight(site, now)) continue;
      for (const x of list) {
        const peers = sensor ?? median(list.filter((p) => p !== x).map((p) => p.norm));
        const below = peers >= ctx.config.peerMinLoad && x.norm < peers * (1 - ctx.config.peerShortfall);
        x.d.belowPeersMs = below ? x.d.belowPeersMs + dt : 0;
        if (x.d.belowPeersMs < ctx.config.peerMinutes * 60_000) continue;
        const shortfall = 1 - x.norm / peers;
        out.push({
          key: conditionKey('underperforming', site, x.d.device),
          kind: 'underperforming',
          severity: 'minor',
          site,
          device: x.d.device,
          gateway: x.d.gateway,
          message: `inverter ${x.d.device} at ${site} makes ${Math.round(shortfall * 100)}% less than ${sensor === undefined ? 'its peers' : 'the irradiance sensor expects'} for ${Math.round(x.d.belowPeersMs / 60_000)} min`,
          details: { shortfall: Math.round(shortfall * 1000) / 1000, minutesBelow: Math.round(x.d.belowPeersMs / 60_000), peersPerKw: peers, ownPerKw: x.norm, reference: sensor === undefined ? 'peers' : 'sensor' },
          stopsGeneration: true,
        });
      }
    }
    return out;
  }
}

import { deviceKey } from '../registry.ts';
import { conditionKey, type Condition, type DetectContext } from './condition.ts';

/**
 * A registered device with no reading for `offlineCycles` detection cycles.
 * Devices behind a gateway that is itself offline are left to that gateway's
 * alarm: one alarm for one cause, not one per device.
 */
export function detectOffline(ctx: DetectContext): Condition[] {
  const out: Condition[] = [];
  for (const info of ctx.registry.devices.values()) {
    const d = ctx.fleet.devices.get(deviceKey(info.site, info.id));
    if (!d) continue; // never seen: nothing to compare with yet (a gateway not yet started)
    const gw = ctx.fleet.gateways.get(deviceKey(d.site, d.gateway));
    if (gw && !gw.online) continue;
    const missed = ctx.cycle - d.lastCycle;
    if (missed < ctx.config.offlineCycles) continue;
    out.push({
      key: conditionKey('device_offline', info.site, info.id),
      kind: 'device_offline',
      severity: info.kind === 'meter' && info.revenueMeter ? 'critical' : 'major',
      site: info.site,
      device: info.id,
      gateway: d.gateway,
      message: `${info.kind} ${info.id} at ${info.site}: no reading for ${missed} cycles`,
      details: { missedCycles: missed, lastReadingTs: d.last.ts },
      stopsGeneration: info.kind === 'inverter',
    });
  }
  return out;
}

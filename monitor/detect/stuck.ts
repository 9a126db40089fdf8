import { conditionKey, type Condition, type DetectContext } from './condition.ts';

/**
 * An inverter whose power (above zero) and lifetime counter repeat exactly
 * for `stuckReadings` readings in a row: real power always moves a little
 * and a producing inverter's counter rises, so its registers have frozen.
 * The gateway's `stale` quality flag says the same.
 */
export function detectStuck(ctx: DetectContext): Condition[] {
  const out: Condition[] = [];
  for (const d of ctx.fleet.devices.values()) {
    if (d.kind !== 'inverter') continue;
    const stale = d.last.quality?.includes('stale') ?? false;
    if (d.identicalRun + 1 < ctx.config.stuckReadings && !stale) continue;
    out.push({
      key: conditionKey('inverter_stuck', d.site, d.device),
      kind: 'inverter_stuck',
      severity: 'major',
      site: d.site,
      device: d.device,
      gateway: d.gateway,
      message: `inverter ${d.device} at ${d.site} is stuck: ${d.identicalRun + 1} identical readings of ${d.last.ac_power_w} W`,
      details: { identicalReadings: d.identicalRun + 1, powerW: d.last.ac_power_w, counterWh: d.last.ac_energy_wh, staleFlag: stale },
      stopsGeneration: false,
    });
  }
  return out;
}

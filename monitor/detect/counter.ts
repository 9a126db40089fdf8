import { conditionKey, type Condition, type DetectContext } from './condition.ts';

/** A lifetime counter that went backwards or rose faster than the device's rating allows; clears once clean readings follow. */
export function detectCounterAnomaly(ctx: DetectContext): Condition[] {
  const out: Condition[] = [];
  for (const d of ctx.fleet.devices.values()) {
    const a = d.counterAnomaly;
    if (!a || ctx.cycle - a.cycle > ctx.config.offlineCycles) continue;
    out.push({
      key: conditionKey('counter_anomaly', d.site, d.device),
      kind: 'counter_anomaly',
      severity: 'minor',
      site: d.site,
      device: d.device,
      gateway: d.gateway,
      message: `${d.kind} ${d.device} at ${d.site}: ${a.reason}`,
      details: { reason: a.reason, ts: a.ts },
      stopsGeneration: false,
    });
  }
  return out;
}

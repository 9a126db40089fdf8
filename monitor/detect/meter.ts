import { deviceKey } from '../registry.ts';
import type { Sample } from '../state.ts';
import { conditionKey, type Condition, type DetectContext } from './condition.ts';

/** Counter increase over the samples since `from` (data time), or undefined without two samples spanning most of the window. */
function deltaSince(samples: readonly Sample[], from: number, field: 'energyWh' | 'exportWh', minSpan: number): number | undefined {
  const inWindow = samples.filter((s) => s.ts >= from && s[field] !== undefined);
  if (inWindow.length < 2) return undefined;
  const first = inWindow[0]!;
  const last = inWindow[inWindow.length - 1]!;
  if (last.ts - first.ts < minSpan) return undefined;
  return last[field]! - first[field]!;
}

/**
 * The revenue meter's export over the last `meterWindowMinutes` against the
 * sum of the site's inverters over the same window: a difference beyond
 * `meterDivergence` (relative) means a drifting meter, a missed inverter or
 * losses that need looking at. The settlement pays on the meter.
 */
export function detectMeterDivergence(ctx: DetectContext): Condition[] {
  const out: Condition[] = [];
  const windowMs = ctx.config.meterWindowMinutes * 60_000;
  for (const info of ctx.registry.devices.values()) {
    if (info.kind !== 'meter' || !info.revenueMeter) continue;
    const meter = ctx.fleet.devices.get(deviceKey(info.site, info.id));
    if (!meter) continue;
    const from = meter.last.ts - windowMs;
    const meterWh = deltaSince(meter.samples, from, 'exportWh', windowMs * 0.8);
    if (meterWh === undefined) continue;
    let invWh = 0;
    let complete = true;
    for (const d of ctx.fleet.ofSite(info.site)) {
      if (d.kind !== 'inverter') continue;
      const delta = deltaSince(d.samples, from, 'energyWh', windowMs * 0.8);
      if (delta === undefined) complete = false;
      else invWh += delta;
    }
    if (!complete || invWh < ctx.config.meterMinWh) continue;
    const divergence = (meterWh - invWh) / invWh;
    if (Math.abs(divergence) <= ctx.config.meterDivergence) continue;
    out.push({
      key: conditionKey('meter_divergence', info.site, info.id),
      kind: 'meter_divergence',
      severity: 'major',
      site: info.site,
      device: info.id,
      gateway: meter.gateway,
      message: `revenue meter ${info.id} at ${info.site} reads ${(divergence * 100).toFixed(1)}% against its inverters over ${ctx.config.meterWindowMinutes} min`,
      details: { meterWh: Math.round(meterWh), invertersWh: Math.round(invWh), divergence: Math.round(divergence * 10000) / 10000 },
      stopsGeneration: false,
    });
  }
  return out;
}

import { conditionKey, type Condition, type DetectContext } from './condition.ts';

/** A gateway whose status says offline: its clean goodbye or the last will the broker published for it (common/contract.ts). */
export function detectGatewayOffline(ctx: DetectContext): Condition[] {
  const out: Condition[] = [];
  for (const gw of ctx.fleet.gateways.values()) {
    if (gw.online) continue;
    out.push({
      key: conditionKey('gateway_offline', gw.site, '', gw.gateway),
      kind: 'gateway_offline',
      severity: 'critical',
      site: gw.site,
      gateway: gw.gateway,
      message: `gateway ${gw.gateway} at ${gw.site} is offline (last will)`,
      details: { since: gw.ts },
      stopsGeneration: true,
    });
  }
  return out;
}

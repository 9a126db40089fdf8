import { conditionKey, type Condition, type DetectContext } from './condition.ts';

export interface LowDay {
  day: string;
  pr: number;
}

/**
 * A site whose last computed day's performance ratio, against the weather its
 * agreeing neighbours saw, is below `sitePrMin` (monitor/performance.ts). The
 * alarm lasts until a later day is computed at or above it.
 */
export function detectSiteLowPr(low: ReadonlyMap<string, LowDay>): (ctx: DetectContext) => Condition[] {
  return (ctx) =>
    [...low].map(([site, d]) => ({
      key: conditionKey('site_low_pr', site),
      kind: 'site_low_pr',
      severity: 'major',
      site,
      message: `site ${site} had a performance ratio of ${Math.round(d.pr * 100)}% on ${d.day} against its neighbours' weather (threshold ${Math.round(ctx.config.sitePrMin * 100)}%)`,
      details: { day: d.day, pr: Math.round(d.pr * 1000) / 1000 },
      stopsGeneration: false,
    }));
}

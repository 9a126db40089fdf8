import type { Variable } from '../src/model.ts';

/**
 * Expands Grafana's macros and template variables the way Grafana does before
 * sending a query, so tests can run the dashboards' queries on real servers.
 * Covers what the Sunshare dashboards use: $timeFilter, $__interval(_ms),
 * $var / ${var} / ${var:raw} / [[var]] for InfluxQL; $__timeFilter(col),
 * $__timeFrom(), $__timeTo(), $__unixEpochFilter(col) and variables for SQL.
 */
export interface QueryContext {
  from: number;
  to: number;
  intervalMs: number;
  /** Selected values per variable name (all values when "All" is selected). */
  values: Record<string, string[]>;
  /** Variables whose selection is "All": Grafana then sends the variable's allValue, if it has one. */
  all?: ReadonlySet<string>;
  variables: Variable[];
}

const UNITS: [number, string][] = [
  [86_400_000, 'd'],
  [3_600_000, 'h'],
  [60_000, 'm'],
  [1_000, 's'],
];

/** Grafana's interval format: the largest unit that divides evenly (1m, 90s, 1d). */
export function formatInterval(ms: number): string {
  for (const [size, unit] of UNITS) if (ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

const escapeRegex = (s: string) => s.replace(/[\\^$*+?.()|[\]{}/]/g, '\\$&');
const quoteLiteral = (s: string) => `'${s.replace(/'/g, "''")}'`;

type Formatter = (values: string[], variable: Variable) => string;

/** InfluxDB datasource: multi/All values become a regex alternation, single values stay raw. */
const influxFormat: Formatter = (values, v) => {
  if (!v.multi && !v.includeAll) return values[0] ?? '';
  const escaped = values.map(escapeRegex);
  return escaped.length === 1 ? escaped[0]! : `(${escaped.join('|')})`;
};

/** SQL datasources: multi/All values are quoted and comma-joined, single values are raw (quotes doubled). */
const sqlFormat: Formatter = (values, v) => {
  if (!v.multi && !v.includeAll) return (values[0] ?? '').replace(/'/g, "''");
  return values.map(quoteLiteral).join(',');
};

/** ${var:regex}: a regex alternation of the escaped values, whatever the datasource. */
const regexFormat: Formatter = (values) => {
  const escaped = values.map(escapeRegex);
  return escaped.length === 1 ? escaped[0]! : `(${escaped.join('|')})`;
};

function replaceVariables(query: string, ctx: QueryContext, format: Formatter): string {
  const byName = new Map(ctx.variables.map((v) => [v.name, v]));
  const value = (name: string, fmt: string | undefined, whole: string) => {
    const v = byName.get(name);
    const values = ctx.values[name];
    if (!v || !values) {
      if (name.startsWith('__')) return whole;
      throw new Error(`query uses $${name}, which is not a variable of this dashboard`);
    }
    if (ctx.all?.has(name) && v.allValue !== undefined) return v.allValue;
    if (fmt === 'raw') return values.join(',');
    if (fmt === 'regex') return regexFormat(values, v);
    if (fmt !== undefined) throw new Error(`the test expander does not know the format \${${name}:${fmt}}`);
    return format(values, v);
  };
  return query
    .replace(/\$\{(\w+)(?::(\w+))?\}/g, (whole, name: string, fmt?: string) => value(name, fmt, whole))
    .replace(/\[\[(\w+)\]\]/g, (whole, name: string) => value(name, undefined, whole))
    .replace(/\$(\w+)/g, (whole, name: string) => value(name, undefined, whole));
}

export function expandInfluxQL(query: string, ctx: QueryContext): string {
  const withMacros = query
    .replace(/\$timeFilter\b/g, `time >= ${ctx.from}ms and time <= ${ctx.to}ms`)
    .replace(/\$__interval_ms\b/g, String(ctx.intervalMs))
    .replace(/\$__interval\b/g, formatInterval(ctx.intervalMs));
  return replaceVariables(withMacros, ctx, influxFormat);
}

const iso = (ms: number) => `'${new Date(ms).toISOString()}'`;

export function expandSql(query: string, ctx: QueryContext): string {
  const withMacros = query
    .replace(/\$__timeFilter\(([^)]+)\)/g, (_, col: string) => `${col.trim()} BETWEEN ${iso(ctx.from)} AND ${iso(ctx.to)}`)
    .replace(/\$__unixEpochFilter\(([^)]+)\)/g, (_, col: string) => `${col.trim()} >= ${Math.floor(ctx.from / 1000)} AND ${col.trim()} <= ${Math.floor(ctx.to / 1000)}`)
    .replace(/\$__timeFrom\(\)/g, iso(ctx.from))
    .replace(/\$__timeTo\(\)/g, iso(ctx.to));
  if (/\$__\w+\(/.test(withMacros)) throw new Error(`query uses a macro the test expander does not know: ${withMacros}`);
  return replaceVariables(withMacros, ctx, sqlFormat);
}

/**
 * A panel's query window: the dashboard range, or the panel's relative time
 * override ("15m", "now/d") counted back from `now` in the given UTC offset.
 */
export function panelRange(now: number, dashboardFrom: number, timeFrom: string | undefined, utcOffsetMs: number): { from: number; to: number } {
  if (!timeFrom) return { from: dashboardFrom, to: now };
  if (timeFrom === 'now/d') {
    const local = now + utcOffsetMs;
    return { from: local - (local % 86_400_000) - utcOffsetMs, to: now };
  }
  const m = /^(\d+)([smhd])$/.exec(timeFrom);
  if (!m) throw new Error(`unsupported panel relative time ${timeFrom}`);
  const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd'];
  return { from: now - Number(m[1]) * unit, to: now };
}

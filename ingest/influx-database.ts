import { SunshareError } from '../common/errors.ts';
import type { IngestConfig } from './config.ts';

type InfluxOptions = IngestConfig['influx'];

/** Thrown when InfluxDB cannot be asked at all (not running yet): the caller asks again later. */
export class InfluxUnreachable extends SunshareError {
  constructor(url: string, cause: unknown) {
    super('INFLUX_WRITE_FAILED', `InfluxDB at ${url} does not answer: ${(cause as Error).message}`, { cause });
  }
}

async function influxQl(o: InfluxOptions, q: string, method: 'GET' | 'POST'): Promise<{ status: number; body: string }> {
  const params = new URLSearchParams({ q });
  if (o.username) params.set('u', o.username);
  if (o.password) params.set('p', o.password);
  let res: Response;
  try {
    res = await fetch(`${o.url.replace(/\/$/, '')}/query?${params.toString()}`, { method, signal: AbortSignal.timeout(o.timeoutMs) });
  } catch (err) {
    throw new InfluxUnreachable(o.url, err);
  }
  return { status: res.status, body: await res.text() };
}

/**
 * InfluxDB 1.x writes to a database that must exist (a write to a missing one is a 404, forever):
 * creates it when missing, or refuses with a message naming it. 2.x buckets are not created.
 * Returns what it found: 'exists', 'created' or 'v2'.
 */
export async function ensureInfluxDatabase(o: InfluxOptions): Promise<'exists' | 'created' | 'v2'> {
  const name = o.database;
  if (name === undefined) return 'v2';
  const shown = await influxQl(o, 'SHOW DATABASES', 'GET');
  if (shown.status === 200) {
    const parsed = JSON.parse(shown.body) as { results?: { series?: { values?: string[][] }[] }[] };
    const names = parsed.results?.[0]?.series?.[0]?.values?.map((v) => v[0]) ?? [];
    if (names.includes(name)) return 'exists';
  }
  // SHOW DATABASES may be forbidden to a non-admin user who may still write: creating tells.
  const created = await influxQl(o, `CREATE DATABASE "${name.replace(/["\\]/g, (c) => `\\${c}`)}"`, 'POST');
  const error = created.status === 200 ? (JSON.parse(created.body) as { results?: { error?: string }[] }).results?.[0]?.error : `HTTP ${created.status} ${created.body.slice(0, 300)}`;
  if (error === undefined) return shown.status === 200 ? 'created' : 'exists';
  throw new SunshareError('INFLUX_DATABASE_MISSING', `InfluxDB database "${name}" at ${o.url} does not exist and could not be created: ${error}`, { details: [`/influx/database: ${name}`] });
}

/** True when InfluxDB answers its /ping (a write failing while this holds is about the data, not the server). */
export async function influxAnswers(o: InfluxOptions): Promise<boolean> {
  try {
    const res = await fetch(`${o.url.replace(/\/$/, '')}/ping`, { signal: AbortSignal.timeout(Math.min(o.timeoutMs, 5000)) });
    return res.status === 204 || res.status === 200;
  } catch {
    return false;
  }
}

import { SunshareError } from '../common/errors.ts';
import type { IngestConfig } from './config.ts';

type InfluxOptions = IngestConfig['influx'];

/** Thrown when InfluxDB cannot be asked at all (not running yet): the caller asks again later. */
export class InfluxUnreachable extends SunshareError {
  constructor(url: string, cause: unknown) {
    super('INFLUX_WRITE_FAILED', `InfluxDB at ${url} does not answer: ${typeof cause === 'string' ? cause : (cause as Error).message}`, { cause });
  }
}

async function request(o: InfluxOptions, path: string, params: URLSearchParams, body?: string): Promise<{ status: number; body: string }> {
  if (o.username) params.set('u', o.username);
  if (o.password) params.set('p', o.password);
  let res: Response;
  try {
    res = await fetch(`${o.url.replace(/\/$/, '')}${path}?${params.toString()}`, { method: 'POST', body: body ?? '', signal: AbortSignal.timeout(o.timeoutMs) });
  } catch (err) {
    throw new InfluxUnreachable(o.url, err);
  }
  const text = await res.text();
  if (res.status >= 500) throw new InfluxUnreachable(o.url, `HTTP ${res.status} ${text.slice(0, 200)}`);
  return { status: res.status, body: text };
}

/**
 * InfluxDB 1.x writes to a database that must exist (a write to a missing one is a 404, forever):
 * creates it when missing, or refuses with a message naming it. The check is an empty write, which
 * needs only the write permission ingest needs anyway (204: there; 404 "database not found": missing).
 * 2.x buckets are not created. Returns what it found: 'exists', 'created', 'unknown' (InfluxDB
 * answered the empty write otherwise, say 401: the writes will show it) or 'v2'.
 */
export async function ensureInfluxDatabase(o: InfluxOptions): Promise<'exists' | 'created' | 'unknown' | 'v2'> {
  const name = o.database;
  if (name === undefined) return 'v2';
  const where = new URLSearchParams({ db: name, precision: 'ms' });
  if (o.retentionPolicy) where.set('rp', o.retentionPolicy);
  const probe = await request(o, '/write', where);
  if (probe.status === 204 || probe.status === 200) return 'exists';
  if (probe.status !== 404 || !/database not found/i.test(probe.body)) return 'unknown';
  const created = await request(o, '/query', new URLSearchParams({ q: `CREATE DATABASE "${name.replace(/["\\]/g, (c) => `\\${c}`)}"` }));
  const error = created.status === 200 ? (JSON.parse(created.body) as { results?: { error?: string }[] }).results?.[0]?.error : `HTTP ${created.status} ${created.body.slice(0, 300)}`;
  if (error === undefined) return 'created';
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

import { HttpError, InfluxDB, setLogger, type Transport, type WriteApi } from '@influxdata/influxdb-client';
import { SunshareError } from '../common/errors.ts';
import type { Logger } from '../common/log.ts';
import type { IngestConfig } from './config.ts';

export interface WriteOutcome {
  /** Lines InfluxDB refused as malformed (HTTP 400: a field type conflict, say): retrying cannot help. */
  rejected: number;
  rejectError?: string;
}

export interface InfluxWriter {
  readonly version: 1 | 2;
  /**
   * Writes the lines and resolves once InfluxDB has accepted every request, or
   * rejects: then nothing may be acknowledged and the caller writes them again
   * later (a point's series and timestamp overwrite, so rewriting is harmless).
   */
  write(lines: readonly string[]): Promise<WriteOutcome>;
  close(): Promise<void>;
}

type InfluxOptions = IngestConfig['influx'];

/**
 * InfluxDB 1.x has no /api/v2/write (1.8 has a compatibility one, 1.6 none):
 * the client library's requests are rerouted to /write?db=&rp=, so the same
 * batching and retrying code writes to both.
 */
function v1Transport(base: Transport, o: InfluxOptions): Transport {
  const t = Object.create(base) as Transport;
  t.send = (path, body, options, callbacks) => {
    const q = new URLSearchParams(path.slice(path.indexOf('?') + 1));
    const v1 = new URLSearchParams({ db: o.database ?? '', precision: q.get('precision') ?? 'ms' });
    if (o.retentionPolicy) v1.set('rp', o.retentionPolicy);
    if (o.username) v1.set('u', o.username);
    if (o.password) v1.set('p', o.password);
    base.send(`/write?${v1.toString()}`, body, options, callbacks);
  };
  return t;
}

export function influxVersion(o: InfluxOptions): 1 | 2 {
  const v2 = o.bucket !== undefined || o.org !== undefined || o.token !== undefined;
  const v1 = o.database !== undefined;
  if (v1 === v2) {
    throw new SunshareError('CONFIG_INVALID', 'influx: give either database (InfluxDB 1.x) or token, org and bucket (InfluxDB 2.x)', {
      details: [v1 ? '/influx: both database and token/org/bucket are set' : '/influx: neither database nor bucket is set'],
    });
  }
  if (v2 && (!o.bucket || !o.org)) throw new SunshareError('CONFIG_INVALID', 'influx: InfluxDB 2.x needs org and bucket', { details: ['/influx/org, /influx/bucket: required with token'] });
  return v1 ? 1 : 2;
}

function isLoopback(url: string): boolean {
  const host = new URL(url).hostname;
  return host === 'localhost' || host === '[::1]' || /^127\./.test(host);
}

/**
 * One WriteApi with the library's batching (batchSize lines per request) and
 * retries (maxRetries, exponential backoff). Its hooks tell when every line of
 * one write() has been accepted or finally failed; the library's own retry
 * buffer may drop lines when it is full or expired (writeRetrySkipped), which
 * here fails the write instead of losing data silently.
 */
export function createInfluxWriter(o: InfluxOptions, onFailure: (err: Error, attempt: number) => void, log?: Logger): InfluxWriter {
  const version = influxVersion(o);
  // The library logs to the console by default; its failures reach onFailure anyway.
  if (log) setLogger({ error: (message, err) => log.debug({ err: (err as Error | undefined)?.message }, message), warn: (message, err) => log.debug({ err: (err as Error | undefined)?.message }, message) });
  const base = new InfluxDB({ url: o.url, token: o.token, timeout: o.timeoutMs });
  const influx = version === 1 ? new InfluxDB({ url: o.url, timeout: o.timeoutMs, transport: v1Transport(base.transport, o) }) : base;

  let outstanding = 0;
  let failure: Error | undefined;
  let rejected = 0;
  let rejectError: string | undefined;
  let settle: (() => void) | undefined;
  // A function, not assignments inline in writeOnce: there TypeScript would take `failure` to stay undefined
  // across the await, while the hooks above set it meanwhile (and `throw failure` would type as throwing never).
  const reset = (lines: number) => {
    outstanding = lines;
    failure = undefined;
    rejected = 0;
    rejectError = undefined;
  };
  const done = (n: number) => {
    outstanding -= n;
    if (outstanding <= 0) settle?.();
  };

  const api: WriteApi = influx.getWriteApi(o.org ?? '', o.bucket ?? o.database ?? '', 'ms', {
    batchSize: o.batchSize,
    flushInterval: 0,
    maxRetries: o.maxRetries,
    maxRetryTime: Math.max(o.timeoutMs * (o.maxRetries + 1), 10_000),
    minRetryDelay: 200,
    maxRetryDelay: 2000,
    retryJitter: 100,
    maxBufferLines: 1_000_000,
    // Compressing for a server on this machine only spends CPU on both sides of the loopback (the zlib
    // work was 5 % of ingest's profile at full speed): gzip only requests that cross a network.
    gzipThreshold: isLoopback(o.url) ? Number.MAX_SAFE_INTEGER : 64 * 1024,
    writeSuccess(lines) {
      done(lines.length);
    },
    writeFailed(error, lines, attempt) {
      onFailure(error, attempt);
      if (error instanceof HttpError && error.statusCode === 400) {
        rejected += lines.length;
        rejectError = `${error.message} ${error.body ?? ''}`.slice(0, 500);
        done(lines.length);
        return Promise.resolve();
      }
      const retriable = !(error instanceof HttpError) || error.statusCode === 429 || error.statusCode >= 500;
      if (retriable && attempt <= o.maxRetries) return undefined; // the library retries these lines
      failure ??= error;
      done(lines.length);
      return Promise.resolve();
    },
    writeRetrySkipped(entry) {
      failure ??= new SunshareError('INFLUX_WRITE_FAILED', `InfluxDB client dropped ${entry.lines.length} lines from its retry buffer`);
      done(entry.lines.length);
    },
  });

  let chain: Promise<unknown> = Promise.resolve();
  const writeOnce = async (lines: readonly string[]): Promise<WriteOutcome> => {
    if (lines.length === 0) return { rejected: 0 };
    reset(lines.length);
    const settled = new Promise<void>((resolve) => (settle = resolve));
    api.writeRecords(lines as string[]);
    // Sends what is left in the buffer; failures arrive through writeFailed, not this promise.
    api.flush().catch(() => undefined);
    await settled;
    settle = undefined;
    if (failure) throw failure;
    return rejected > 0 ? { rejected, rejectError: rejectError ?? '' } : { rejected: 0 };
  };

  return {
    version,
    write(lines) {
      const p = chain.then(() => writeOnce(lines));
      chain = p.catch(() => undefined);
      return p;
    },
    async close() {
      await chain;
      api.dispose();
    },
  };
}

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Where the demo's ingest writes telemetry when no InfluxDB is configured:
 * an HTTP endpoint that answers like InfluxDB 1.x (/ping, /write) and only
 * counts the lines. Ingest's pipeline writes InfluxDB and the ledger
 * together, so without somewhere to write it would hold every batch back;
 * with INFLUX_URL set the demo writes to the real server instead.
 */
export interface InfluxSink {
  readonly url: string;
  lines(): number;
  /** The gateway batch sequence numbers ingest wrote (measurement gateway_batch), per `site/gateway`. */
  batches(): Map<string, Set<number>>;
  close(): Promise<void>;
}

const BATCH_LINE = /^gateway_batch,(\S+) (\S+) /;

function recordBatch(line: string, into: Map<string, Set<number>>): void {
  const m = BATCH_LINE.exec(line);
  if (!m) return;
  const tags = Object.fromEntries(m[1]!.split(',').map((kv) => kv.split('=') as [string, string]));
  const seq = /(?:^|,)seq=(\d+)i/.exec(m[2]!)?.[1];
  if (seq === undefined) return;
  const key = `${tags.site}/${tags.gateway}`;
  let set = into.get(key);
  if (!set) into.set(key, (set = new Set()));
  set.add(Number(seq));
}

export async function startInfluxSink(host = '127.0.0.1'): Promise<InfluxSink> {
  let lines = 0;
  const batches = new Map<string, Set<number>>();
  const server: Server = createServer((req, res) => {
    if (req.url?.startsWith('/write') || req.url?.startsWith('/api/v2/write')) {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (body += c));
      req.on('end', () => {
        for (const l of body.split('\n')) {
          if (l.trim() === '') continue;
          lines++;
          recordBatch(l, batches);
        }
        res.writeHead(204).end();
      });
      return;
    }
    res.writeHead(req.url?.startsWith('/ping') ? 204 : 404, { 'X-Influxdb-Version': '1.x-demo-sink' }).end();
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    lines: () => lines,
    batches: () => batches,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

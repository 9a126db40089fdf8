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
  close(): Promise<void>;
}

export async function startInfluxSink(host = '127.0.0.1'): Promise<InfluxSink> {
  let lines = 0;
  const server: Server = createServer((req, res) => {
    if (req.url?.startsWith('/write') || req.url?.startsWith('/api/v2/write')) {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (body += c));
      req.on('end', () => {
        lines += body.split('\n').filter((l) => l.trim() !== '').length;
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
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

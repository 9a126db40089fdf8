import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { ERRORS, isSunshareError, SunshareError } from '../common/errors.ts';
import { LASTING_FAULTS, parseFault, type FaultKind } from './faults.ts';
import type { SimHandle } from './sim.ts';

/**
 * The simulator's control API (plain node:http, JSON):
 *   GET    /devices                      every device with its truth and request counts
 *   GET    /devices/{id}                 one device
 *   POST   /devices/{id}/faults          body: a fault, e.g. {"kind":"exception","code":6}
 *   DELETE /devices/{id}/faults[/{kind}] clear all lasting faults, or one kind
 *   GET    /clock                        sim time
 *   POST   /clock/advance                body {"ms": 60000} (manual clocks)
 */
export interface ControlServer {
  url: string;
  close(): Promise<void>;
}

async function body(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 65_536) throw new SunshareError('REQUEST_TOO_LARGE', 'request body over 64 KiB');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return text === '' ? {} : (JSON.parse(text) as unknown);
  } catch {
    throw new SunshareError('REQUEST_BODY_INVALID', 'request body is not JSON');
  }
}

function send(res: ServerResponse, status: number, payload: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(payload));
}

function describe(sim: SimHandle, id: string) {
  const info = sim.devices.find((d) => d.id === id);
  return { ...info, truth: sim.truth(id), stats: sim.stats(id) };
}

async function route(sim: SimHandle, req: IncomingMessage): Promise<[number, unknown]> {
  const url = new URL(req.url ?? '/', 'http://sim');
  const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const method = req.method ?? 'GET';
  if (parts[0] === 'clock' && parts.length === 1 && method === 'GET') {
    const now = sim.clock.now();
    return [200, { now, iso: new Date(now).toISOString(), speed: sim.clock.speed, manual: sim.clock.manual }];
  }
  if (parts[0] === 'clock' && parts[1] === 'advance' && method === 'POST') {
    const { ms } = (await body(req)) as { ms?: unknown };
    if (typeof ms !== 'number' || !(ms >= 0)) throw new SunshareError('REQUEST_BODY_INVALID', 'body needs {"ms": <non-negative number>}');
    sim.advance(ms);
    return [200, { now: sim.clock.now() }];
  }
  if (parts[0] === 'devices') {
    if (parts.length === 1 && method === 'GET') return [200, sim.devices.map((d) => describe(sim, d.id))];
    const id = parts[1]!;
    if (parts.length === 2 && method === 'GET') return [200, describe(sim, id)];
    if (parts[2] === 'faults' && parts.length === 3 && method === 'POST') {
      const fault = parseFault(await body(req));
      sim.setFault(id, fault);
      return [200, describe(sim, id)];
    }
    if (parts[2] === 'faults' && method === 'DELETE' && parts.length <= 4) {
      const kind = parts[3];
      if (kind !== undefined && !(LASTING_FAULTS as readonly string[]).includes(kind)) {
        throw new SunshareError('SIM_FAULT_INVALID', `no lasting fault kind ${kind}`, { details: [`kinds: ${LASTING_FAULTS.join(', ')}`] });
      }
      sim.clearFault(id, kind as FaultKind | undefined);
      return [200, describe(sim, id)];
    }
  }
  throw new SunshareError('NOT_FOUND', `no route ${method} ${url.pathname}`);
}

export function startControl(sim: SimHandle, host: string, port: number): Promise<ControlServer> {
  const server = createServer((req, res) => {
    route(sim, req).then(
      ([status, payload]) => send(res, status, payload),
      (err: unknown) => {
        if (isSunshareError(err)) send(res, err.httpStatus, { code: err.code, message: err.message, details: err.details });
        else send(res, ERRORS.INTERNAL.http, { code: 'INTERNAL', message: (err as Error).message });
      },
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', (err) => reject(new SunshareError('LISTEN_FAILED', `cannot start the control API on ${host}:${port}: ${err.message}`, { cause: err })));
    server.listen(port, host, () => {
      const addr = server.address();
      const actual = typeof addr === 'object' && addr ? addr.port : port;
      resolve({
        url: `http://${host}:${actual}`,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

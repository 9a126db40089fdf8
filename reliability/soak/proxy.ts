import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy the soak controls: gateway -> proxy -> broker. cut() drops every
 * connection and refuses new ones (the 4G link is down) until restore().
 */
export interface LinkProxy {
  readonly port: number;
  readonly url: string;
  readonly cuts: number;
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startLinkProxy(targetPort: number, host = '127.0.0.1'): Promise<LinkProxy> {
  const pairs = new Set<Socket>();
  let down = false;
  let cuts = 0;
  const server: Server = createServer((client) => {
    if (down) return void client.destroy();
    const upstream = createConnection({ host, port: targetPort });
    pairs.add(client).add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      pairs.delete(client);
      pairs.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, host, r));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `mqtt://${host}:${port}`,
    get cuts() {
      return cuts;
    },
    cut() {
      down = true;
      cuts++;
      for (const s of pairs) s.destroy();
      pairs.clear();
    },
    restore() {
      down = false;
    },
    async close() {
      down = true;
      for (const s of pairs) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

import { createServer, type Server } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { Aedes } from 'aedes';
import { freePort } from '../../common/testing/index.ts';

export interface AedesBroker {
  url: string;
  port: number;
  /** Drops a client's connection now (as a broken link would); undefined when it is not connected. */
  kick(clientId: string): void;
  stop(): Promise<void>;
}

/**
 * A bare aedes on a free port (plain, or TLS with the given PEMs; with `ca` a client certificate is required), optionally requiring a username/password.
 * `admit` decides per client id whether a connection is accepted (refused ones retry): a test can keep a publisher
 * away until its subscriber is listening.
 */
export async function startAedes(opts: { username?: string; password?: string; tls?: { key: Buffer; cert: Buffer; ca?: Buffer }; port?: number; blackHole?: (topic: string) => boolean; admit?: (clientId: string) => boolean } = {}): Promise<AedesBroker> {
  const broker = await Aedes.createBroker({
    // blackHole: the publish is neither delivered nor acknowledged (a stuck session upstream)
    authorizePublish: (_client, packet, done) => {
      if (opts.blackHole?.(packet.topic)) return;
      done(null);
    },
    authenticate: (client, username, password, done) => {
      if (opts.admit && !opts.admit(client.id)) return done(Object.assign(new Error('not admitted yet'), { returnCode: 5 }), false);
      if (opts.username === undefined) return done(null, true);
      const ok = username === opts.username && password?.toString() === opts.password;
      if (ok) return done(null, true);
      const err = Object.assign(new Error('bad credentials'), { returnCode: 4 });
      return done(err, false);
    },
  });
  const server: Server = opts.tls ? createTlsServer({ key: opts.tls.key, cert: opts.tls.cert, ...(opts.tls.ca ? { ca: opts.tls.ca, requestCert: true, rejectUnauthorized: true } : {}) }, broker.handle) : createServer(broker.handle);
  const port = opts.port ?? (await freePort());
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `${opts.tls ? 'mqtts' : 'mqtt'}://127.0.0.1:${port}`,
    port,
    kick: (clientId) => (broker as unknown as { clients: Record<string, { close(): void } | undefined> }).clients[clientId]?.close(),
    stop: async () => {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { Aedes, type AedesOptions, type AuthenticateError, type Client } from 'aedes';
import { parseConfig } from '../common/config.ts';
import { SunshareError } from '../common/errors.ts';
import { silentLogger, type Logger } from '../common/log.ts';
import { mayPublish, maySubscribe } from './acl.ts';
import { BrokerOptions } from './config.ts';
import { forwardOnce } from './forward-once.ts';
import { openLevelStore } from './level-store.ts';
import { loadCredentials, verifyPassword, type BrokerUser } from './credentials.ts';

export interface BrokerStats {
  refusedConnections: number;
  deniedPublishes: number;
  deniedSubscriptions: number;
  /** publishes over maxPayloadBytes, refused */
  oversizePublishes: number;
  connectedClients: number;
}

export interface BrokerHandle {
  /** The plain MQTT port, or the TLS port when the broker is TLS-only. */
  readonly port: number;
  readonly tlsPort: number | undefined;
  readonly url: string;
  readonly aedes: Aedes;
  stats(): BrokerStats;
  stop(): Promise<void>;
}

type BrokerInput = Partial<BrokerOptions> & { users?: BrokerUser[]; log?: Logger };

// aedes answers the client with returnCode (a CONNACK code), never a person: the log line before it is what an operator reads.
// eslint-disable-next-line no-restricted-syntax
const authError = (code: AuthenticateError['returnCode'], message: string): AuthenticateError => Object.assign(new Error(message), { returnCode: code });

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (err) => reject(new SunshareError('LISTEN_FAILED', `cannot listen on ${host}:${port}: ${err.message}`, { cause: err })));
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}

/**
 * The embedded MQTT broker: aedes with credentials, an ACL, optional TLS and
 * an on-disk session store (LevelDB), so QoS 1 messages queued for a
 * persistent session survive a restart (docs/ingest.md says why LevelDB).
 */
export async function startBroker(input: BrokerInput = {}): Promise<BrokerHandle> {
  const { users: given, log = silentLogger, ...rest } = input;
  const opts = parseConfig(rest, BrokerOptions, 'broker options');
  const users = new Map((given ?? (opts.credentials ? loadCredentials(opts.credentials) : [])).map((u) => [u.username, u]));
  if (users.size === 0 && !opts.allowAnonymous) {
    throw new SunshareError('CONFIG_INVALID', 'the broker needs a credentials file (or allowAnonymous for the demo)', { details: ['--credentials: missing'] });
  }
  const stats = { refusedConnections: 0, deniedPublishes: 0, deniedSubscriptions: 0, oversizePublishes: 0 };
  const byClient = new WeakMap<Client, BrokerUser>();
  const store = opts.persistence ? openLevelStore(opts.persistence) : undefined;
  // aedes' own once-per-client check loses messages with the on-disk store (see forward-once.ts)
  const once = forwardOnce();

  const aedesOpts: AedesOptions = {
    ...(store ? { persistence: store.persistence } : {}),
    preConnect: once.preConnect,
    authorizeForward: once.authorizeForward,
    authenticate(client, username, password, done) {
      if (opts.allowAnonymous && users.size === 0) return done(null, true);
      const user = username === undefined ? undefined : users.get(username);
      const refuse = (why: string) => {
        stats.refusedConnections++;
        log.warn({ clientId: client.id, username, why }, 'MQTT connection refused');
        done(authError(4, why), false);
      };
      if (!user || !password) return refuse('unknown user or no password');
      verifyPassword(password.toString('utf8'), user.password).then(
        (ok) => {
          if (!ok) return refuse('wrong password');
          byClient.set(client, user);
          done(null, true);
        },
        (err: Error) => refuse(`password check failed: ${err.message}`),
      );
    },
    authorizePublish(client, packet, done) {
      if (client !== null && packet.payload.length > opts.maxPayloadBytes) {
        stats.oversizePublishes++;
        log.warn({ clientId: client.id, topic: packet.topic, bytes: packet.payload.length, maxPayloadBytes: opts.maxPayloadBytes }, 'MQTT publish refused: payload over the limit');
        // eslint-disable-next-line no-restricted-syntax
        return done(new Error(`payload of ${packet.payload.length} bytes is over the broker's ${opts.maxPayloadBytes}`));
      }
      if (opts.allowAnonymous && users.size === 0) return done(null);
      const user = client ? byClient.get(client) : undefined;
      if (client === null) return done(null); // the broker's own messages
      if (user && mayPublish(user, packet.topic)) return done(null);
      stats.deniedPublishes++;
      log.warn({ clientId: client.id, topic: packet.topic }, 'MQTT publish denied');
      // aedes closes the client's connection without telling it why (MQTT-3.3.5-2); the warning above is what an operator reads
      // eslint-disable-next-line no-restricted-syntax
      done(new Error(`not allowed to publish to ${packet.topic}`));
    },
    authorizeSubscribe(client, sub, done) {
      if (opts.allowAnonymous && users.size === 0) return done(null, sub);
      const user = byClient.get(client);
      if (user && maySubscribe(user, sub.topic)) return done(null, sub);
      stats.deniedSubscriptions++;
      log.warn({ clientId: client.id, topic: sub.topic }, 'MQTT subscribe denied');
      done(null, null); // SUBACK 0x80 for this topic, the connection stays
    },
  };
  const aedes = await Aedes.createBroker(aedesOpts);
  const tcp = opts.tls?.only === true ? undefined : createServer(aedes.handle);
  const tcpPort = tcp ? await listen(tcp, opts.port, opts.host) : undefined;
  let tls: Server | undefined;
  let tlsPort: number | undefined;
  if (opts.tls) {
    tls = createTlsServer({ cert: readFileSync(opts.tls.cert), key: readFileSync(opts.tls.key) }, aedes.handle);
    tlsPort = await listen(tls, opts.tls.port, opts.host);
  }
  log.info({ port: tcpPort ?? 'none (TLS only)', tlsPort, persistence: opts.persistence ?? 'memory', users: users.size }, 'broker listening');
  const host = opts.host === '0.0.0.0' ? '127.0.0.1' : opts.host;
  return {
    port: (tcpPort ?? tlsPort)!,
    tlsPort,
    url: tcpPort !== undefined ? `mqtt://${host}:${tcpPort}` : `mqtts://${host}:${tlsPort}`,
    aedes,
    stats: () => ({ ...stats, connectedClients: aedes.connectedClients }),
    async stop() {
      await new Promise<void>((r) => aedes.close(() => r()));
      const servers = [tcp, tls].filter((s) => s !== undefined);
      await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
      await store?.close();
    },
  };
}

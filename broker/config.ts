import { Type, type Static } from '@sinclair/typebox';
import { LogLevel, type ConfigSpec } from '../common/index.ts';

/** `sunshare broker` options (CLI flags or startBroker()). */
export const BrokerOptions = Type.Object(
  {
    host: Type.String({ default: '0.0.0.0' }),
    /** MQTT over TCP; 0 picks a free port. */
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 1883 }),
    tls: Type.Optional(
      Type.Object(
        {
          port: Type.Integer({ minimum: 0, maximum: 65535, default: 8883 }),
          cert: Type.String({ description: 'PEM certificate file' }),
          key: Type.String({ description: 'PEM private key file' }),
          /** Open no plain MQTT listener at all: every client must come over TLS. */
          only: Type.Optional(Type.Boolean()),
        },
        { additionalProperties: false },
      ),
    ),
    /** Credentials file (YAML): users with scrypt password hashes and roles. */
    credentials: Type.Optional(Type.String()),
    /** Directory of the on-disk (LevelDB) session store; absent: in memory (sessions lost on restart). */
    persistence: Type.Optional(Type.String()),
    /** Largest message payload the broker takes; a larger one is refused before any subscriber sees it. */
    maxPayloadBytes: Type.Integer({ minimum: 65_536, default: 8 * 1024 * 1024 }),
    /** Accept clients without credentials and apply no ACL: for the one-process demo only. */
    allowAnonymous: Type.Boolean({ default: false }),
  },
  { additionalProperties: false },
);
export type BrokerOptions = Static<typeof BrokerOptions>;

/** `sunshare broker`: options (--config file, then LOG_LEVEL, then flags) plus the log level; sessions on disk by default. */
export const BrokerCommandConfig = Type.Object(
  {
    ...BrokerOptions.properties,
    persistence: Type.String({ default: 'data/broker', description: 'directory of the on-disk session store' }),
    logLevel: Type.Optional(LogLevel),
  },
  { additionalProperties: false },
);
export type BrokerCommandConfig = Static<typeof BrokerCommandConfig>;

export const BROKER_CONFIG = {
  name: 'broker options',
  schema: BrokerCommandConfig,
  flags: {
    host: '/host',
    port: '/port',
    tlsPort: '/tls/port',
    cert: '/tls/cert',
    key: '/tls/key',
    tlsOnly: '/tls/only',
    credentials: '/credentials',
    persistence: '/persistence',
    allowAnonymous: '/allowAnonymous',
    maxPayloadBytes: '/maxPayloadBytes',
    logLevel: '/logLevel',
  },
  env: { LOG_LEVEL: '/logLevel' },
} satisfies ConfigSpec<typeof BrokerCommandConfig>;

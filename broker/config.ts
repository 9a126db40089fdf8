import { Type, type Static } from '@sinclair/typebox';

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
    /** Accept clients without credentials and apply no ACL: for the one-process demo only. */
    allowAnonymous: Type.Boolean({ default: false }),
  },
  { additionalProperties: false },
);
export type BrokerOptions = Static<typeof BrokerOptions>;

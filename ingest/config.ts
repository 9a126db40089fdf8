import { Type, type Static } from '@sinclair/typebox';
import { LogLevel, type ConfigSpec } from '../common/index.ts';

/** `sunshare ingest` configuration (YAML/JSON file, see ingest/ingest.example.yaml). */
export const IngestConfig = Type.Object(
  {
    mqtt: Type.Object(
      {
        url: Type.String({ default: 'mqtt://127.0.0.1:1883', description: 'mqtt://, mqtts://' }),
        username: Type.Optional(Type.String()),
        password: Type.Optional(Type.String()),
        clientId: Type.String({ default: 'sunshare-ingest', pattern: '^[A-Za-z0-9_.-]{1,64}$' }),
        /** Shared subscription group: several instances with the same group split the messages ($share/<group>/...). */
        sharedGroup: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' })),
        /** Subscribe to these sites only (sunshare/v1/{site}/+/...); absent: every site. */
        sites: Type.Optional(Type.Array(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$' }), { minItems: 1 })),
        /** CA file for mqtts:// with a private CA. */
        ca: Type.Optional(Type.String()),
        /** Messages received but not yet acknowledged; when full, ingest stops reading from the broker. */
        inFlight: Type.Integer({ minimum: 1, maximum: 65535, default: 2000 }),
        keepaliveSec: Type.Integer({ minimum: 5, default: 30 }),
      },
      { additionalProperties: false, default: {} },
    ),
    influx: Type.Object(
      {
        url: Type.String({ default: 'http://127.0.0.1:8086' }),
        /** InfluxDB 2.x / 3.x: token, org and bucket. */
        token: Type.Optional(Type.String()),
        org: Type.Optional(Type.String()),
        bucket: Type.Optional(Type.String()),
        /** InfluxDB 1.x: database (and optionally retention policy, user, password). */
        database: Type.Optional(Type.String()),
        retentionPolicy: Type.Optional(Type.String()),
        username: Type.Optional(Type.String()),
        password: Type.Optional(Type.String()),
        /** Lines per HTTP request (the client library splits a batch into requests of this size). */
        batchSize: Type.Integer({ minimum: 1, default: 5000 }),
        /** The library retries a failed request this many times before the batch counts as failed. */
        maxRetries: Type.Integer({ minimum: 0, default: 2 }),
        timeoutMs: Type.Integer({ minimum: 100, default: 10_000 }),
      },
      { additionalProperties: false, default: {} },
    ),
    /** Ledger database: a SQLite file path or a postgres:// URL; default DATABASE_URL or data/ledger.sqlite. */
    ledger: Type.Optional(Type.String()),
    batch: Type.Object(
      {
        maxReadings: Type.Integer({ minimum: 1, default: 20_000 }),
        maxWaitMs: Type.Integer({ minimum: 0, default: 100 }),
        /** Delay before retrying a batch that could not be written (doubles up to 10 s). */
        retryDelayMs: Type.Integer({ minimum: 10, default: 500 }),
        /**
         * A message whose ledger write fails this many times alone, not for the store's sake (busy, locked,
         * unreachable) but with both stores answering, is dead-lettered as `internal` instead of holding up the rest.
         */
        poisonAfter: Type.Integer({ minimum: 1, default: 3 }),
      },
      { additionalProperties: false, default: {} },
    ),
    energy: Type.Object(
      {
        /** A local day is computed this long after its midnight; later data makes a new revision. */
        graceMs: Type.Integer({ minimum: 0, default: 15 * 60_000 }),
        closeEveryMs: Type.Integer({ minimum: 0, default: 60_000, description: 'how often ended days are closed (daily energy computed); 0 disables it' }),
        /** Reads further apart than this are a gap (flag 'gap'; across midnight: method 'interpolated'). */
        maxGapMs: Type.Integer({ minimum: 1, default: 3_600_000 }),
      },
      { additionalProperties: false, default: {} },
    ),
    registryRefreshMs: Type.Integer({ minimum: 100, default: 60_000 }),
    /** A message naming a site or device not in the registry reloads it at once, at most once per this time, before it is dead-lettered. */
    registryReloadMinMs: Type.Integer({ minimum: 0, default: 5_000 }),
    deadLetters: Type.Object(
      {
        /** Payloads up to this size are kept whole in the ledger's dead_letters; bigger ones only their start (not replayable). */
        maxPayloadBytes: Type.Integer({ minimum: 1024, default: 16 * 1024 * 1024 }),
        /** How often the ledger is checked for replays requested (`sunshare ingest dead-letters replay`, POST /dead-letters/replay); 0 disables replaying. */
        replayPollMs: Type.Integer({ minimum: 0, default: 2_000 }),
      },
      { additionalProperties: false, default: {} },
    ),
    health: Type.Object(
      {
        /** /health is not OK while a message has waited longer than this for its write. */
        maxPendingAgeMs: Type.Integer({ minimum: 100, default: 30_000 }),
      },
      { additionalProperties: false, default: {} },
    ),
    http: Type.Optional(
      Type.Object(
        {
          host: Type.String({ default: '127.0.0.1' }),
          port: Type.Integer({ minimum: 0, maximum: 65535, default: 9102 }),
        },
        { additionalProperties: false },
      ),
    ),
    logLevel: Type.Optional(LogLevel),
  },
  { additionalProperties: false },
);
export type IngestConfig = Static<typeof IngestConfig>;

/** `sunshare ingest`: the --config file, then these variables, then these flags. */
export const INGEST_CONFIG = {
  name: 'ingest options',
  schema: IngestConfig,
  flags: {
    mqtt: '/mqtt/url',
    clientId: '/mqtt/clientId',
    sharedGroup: '/mqtt/sharedGroup',
    influx: '/influx/url',
    database: '/influx/database',
    org: '/influx/org',
    bucket: '/influx/bucket',
    ledger: '/ledger',
    httpPort: '/http/port',
    logLevel: '/logLevel',
  },
  env: {
    MQTT_URL: '/mqtt/url',
    MQTT_USERNAME: '/mqtt/username',
    MQTT_PASSWORD: '/mqtt/password',
    INFLUX_URL: '/influx/url',
    INFLUX_TOKEN: '/influx/token',
    INFLUX_ORG: '/influx/org',
    INFLUX_BUCKET: '/influx/bucket',
    INFLUX_DATABASE: '/influx/database',
    DATABASE_URL: '/ledger',
    LOG_LEVEL: '/logLevel',
  },
} satisfies ConfigSpec<typeof IngestConfig>;

import { Type, type Static } from '@sinclair/typebox';
import { LogLevel, type ConfigSpec } from '../common/index.ts';

/** `sunshare api --config api.yaml`; see api/api.example.yaml. */
export const ApiConfig = Type.Object(
  {
    listen: Type.Object(
      {
        host: Type.String({ default: '127.0.0.1', description: 'address to listen on; 0.0.0.0 for every interface' }),
        port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
      },
      { default: {}, additionalProperties: false },
    ),
    /** SQLite file or postgres:// URL; DATABASE_URL or data/ledger.sqlite when empty. */
    ledger: Type.Optional(Type.String()),
    mqtt: Type.Object(
      {
        url: Type.String({ default: 'mqtt://127.0.0.1:1883', description: 'broker the gateways publish to; the live status view subscribes here' }),
        username: Type.Optional(Type.String()),
        password: Type.Optional(Type.String()),
        enabled: Type.Boolean({ default: true }),
      },
      { default: {}, additionalProperties: false },
    ),
    /** A gateway not heard from for this long counts as offline. */
    offlineAfterS: Type.Integer({ minimum: 1, default: 60 }),
    /** kWh per kWp per year for "expected energy today" (Northern Guangdong: 950-1,100). */
    expectedYieldKwhPerKwp: Type.Number({ minimum: 1, maximum: 3000, default: 1000 }),
    authFailuresPerMinute: Type.Integer({ minimum: 1, default: 20 }),
    trustProxy: Type.Boolean({ default: false }),
    logLevel: Type.Optional(LogLevel),
  },
  { additionalProperties: false },
);
export type ApiConfig = Static<typeof ApiConfig>;

/** `sunshare api`: the --config file, then these variables, then these flags. */
export const API_CONFIG = {
  name: 'api options',
  schema: ApiConfig,
  flags: { host: '/listen/host', port: '/listen/port', ledger: '/ledger', mqtt: '/mqtt/url', mqttLive: '/mqtt/enabled', logLevel: '/logLevel' },
  env: { DATABASE_URL: '/ledger', MQTT_URL: '/mqtt/url', MQTT_USERNAME: '/mqtt/username', MQTT_PASSWORD: '/mqtt/password', LOG_LEVEL: '/logLevel' },
} satisfies ConfigSpec<typeof ApiConfig>;

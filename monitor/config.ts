import { Type, type Static } from '@sinclair/typebox';
import { LogLevel, type ConfigSpec } from '../common/index.ts';
import { IngestConfig } from '../ingest/index.ts';

const Geometry = Type.Object(
  {
    tiltDeg: Type.Number({ minimum: 0, maximum: 90, default: 20, description: 'module tilt from horizontal' }),
    azimuthDeg: Type.Number({ minimum: 0, maximum: 360, default: 180, description: 'clockwise from north, 180 = south' }),
    altitudeM: Type.Number({ minimum: -500, maximum: 9000, default: 100 }),
    linkeTurbidity: Type.Number({ minimum: 1, maximum: 10, default: 3.5, description: 'clear-day haze (about 3 clean, 4-5 hazy)' }),
    albedo: Type.Number({ minimum: 0, maximum: 1, default: 0.2 }),
    /** DC capacity x this = AC power at 1000 W/m2 on the plane: temperature, wiring and inverter losses. */
    performanceFactor: Type.Number({ exclusiveMinimum: 0, maximum: 1.2, default: 0.85 }),
  },
  { additionalProperties: false },
);

/** `sunshare monitor` configuration: every threshold of every detector, with its default (docs/monitor.md). */
export const MonitorConfig = Type.Object(
  {
    mqtt: Type.Object(
      {
        url: Type.String({ default: 'mqtt://127.0.0.1:1883' }),
        username: Type.Optional(Type.String()),
        password: Type.Optional(Type.String()),
        clientId: Type.String({ default: 'sunshare-monitor', pattern: '^[A-Za-z0-9_.-]{1,64}$' }),
      },
      { additionalProperties: false, default: {} },
    ),
    ledger: Type.Optional(Type.String()),
    /** Where the daily performance ratio goes besides the ledger (measurement `performance`); as ingest's `influx`. */
    influx: Type.Optional(IngestConfig.properties.influx),
    /** The gateways' poll interval: one detection cycle, ms. */
    cycleMs: Type.Integer({ minimum: 50, maximum: 600_000, default: 10_000 }),
    registryRefreshMs: Type.Integer({ minimum: 100, default: 60_000 }),
    /** Site geometry: the registry has location and capacity, not tilt or azimuth. */
    geometry: Type.Object({ default: Type.Optional(Geometry), sites: Type.Record(Type.String(), Type.Partial(Geometry), { default: {} }) }, { additionalProperties: false, default: {} }),
    detect: Type.Object(
      {
        offlineCycles: Type.Integer({ minimum: 1, default: 3, description: 'a device is offline after this many cycles without a reading' }),
        stuckReadings: Type.Integer({ minimum: 2, default: 4, description: 'identical power and counter, power above zero, this many readings in a row: stuck' }),
        peerShortfall: Type.Number({ exclusiveMinimum: 0, maximum: 1, default: 0.2, description: 'an inverter this fraction below the median of its site peers (per kW rated)...' }),
        peerMinutes: Type.Number({ exclusiveMinimum: 0, default: 10, description: '...for this many minutes of daylight (data time) is underperforming' }),
        peerMinLoad: Type.Number({ minimum: 0, maximum: 1, default: 0.1, description: 'compare only while the peers make at least this fraction of their rating' }),
        sitePrMin: Type.Number({ minimum: 0, maximum: 2, default: 0.6, description: 'a site whose daily performance ratio, against its agreeing neighbours\' weather, is below this' }),
        counterJumpFactor: Type.Number({ exclusiveMinimum: 1, default: 1.5, description: 'a counter rising faster than rating x this is an anomaly' }),
        meterDivergence: Type.Number({ exclusiveMinimum: 0, maximum: 1, default: 0.08, description: 'revenue meter vs sum of inverters, relative, over the window' }),
        meterWindowMinutes: Type.Number({ exclusiveMinimum: 0, default: 60 }),
        meterMinWh: Type.Number({ minimum: 0, default: 5000, description: 'compare only when the inverters made at least this much in the window' }),
        clearCycles: Type.Integer({ minimum: 1, default: 2, description: 'a condition must be gone this many cycles before its alarm clears' }),
        nearbyKm: Type.Number({ minimum: 0, default: 30, description: 'sites this close share their weather: a dark site\'s expected energy follows theirs' }),
        nearbyMin: Type.Integer({ minimum: 1, default: 3, description: 'and only with at least this many of them (with two, a cloud over one looks like a fault)' }),
        nearbyAgreement: Type.Number({ minimum: 0, maximum: 1, default: 0.25, description: 'neighbours count for a site\'s daily PR only when their shares of a clear day agree this closely' }),
      },
      { additionalProperties: false, default: {} },
    ),
    notify: Type.Object(
      {
        webhooks: Type.Array(
          Type.Object({ url: Type.String(), format: Type.Union([Type.Literal('wecom'), Type.Literal('dingtalk'), Type.Literal('json')], { default: 'wecom' }) }, { additionalProperties: false }),
          { default: [] },
        ),
        email: Type.Optional(
          Type.Object(
            {
              host: Type.String(),
              port: Type.Integer({ minimum: 1, maximum: 65535, default: 25 }),
              secure: Type.Boolean({ default: false }),
              username: Type.Optional(Type.String()),
              password: Type.Optional(Type.String()),
              from: Type.String({ default: 'sunshare-monitor@localhost' }),
              to: Type.Array(Type.String({ minLength: 3 }), { minItems: 1 }),
            },
            { additionalProperties: false },
          ),
        ),
        /** Changes within this window go out together. */
        batchMs: Type.Integer({ minimum: 0, default: 2000 }),
        /** More changes than this in one batch: one digest instead of one message each. */
        digestOver: Type.Integer({ minimum: 1, default: 3 }),
        /** At most this many messages per channel per minute; the rest wait for the next digest. */
        perMinute: Type.Integer({ minimum: 1, default: 6 }),
        minSeverity: Type.Union([Type.Literal('critical'), Type.Literal('major'), Type.Literal('minor'), Type.Literal('warning')], { default: 'warning' }),
      },
      { additionalProperties: false, default: {} },
    ),
    logLevel: Type.Optional(LogLevel),
  },
  { additionalProperties: false },
);
export type MonitorConfig = Static<typeof MonitorConfig>;
export type GeometryConfig = Static<typeof Geometry>;

export const MONITOR_CONFIG = {
  name: 'monitor options',
  schema: MonitorConfig,
  flags: { mqtt: '/mqtt/url', ledger: '/ledger', cycleMs: '/cycleMs', logLevel: '/logLevel' },
  env: { MQTT_URL: '/mqtt/url', MQTT_USERNAME: '/mqtt/username', MQTT_PASSWORD: '/mqtt/password', DATABASE_URL: '/ledger', LOG_LEVEL: '/logLevel' },
} satisfies ConfigSpec<typeof MonitorConfig>;

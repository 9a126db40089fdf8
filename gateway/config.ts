import { Type, type Static } from '@sinclair/typebox';
import { Id } from '../common/contract.ts';
import { loadConfig, LogLevel, type ConfigSpec } from '../common/index.ts';

/**
 * The gateway's config file (YAML or JSON). `gateway/config.example.yaml` shows
 * every field; docs/gateway.md explains them. Types come from this schema.
 */
const Mqtt = Type.Object(
  {
    url: Type.String({ pattern: '^(mqtt|mqtts|tcp|tls|ws|wss)://', description: 'broker URL, mqtts:// for TLS' }),
    username: Type.Optional(Type.String()),
    password: Type.Optional(Type.String()),
    ca: Type.Optional(Type.String({ description: 'file: CA certificate (PEM) that signed the broker certificate' })),
    cert: Type.Optional(Type.String({ description: 'file: client certificate (PEM)' })),
    key: Type.Optional(Type.String({ description: 'file: client private key (PEM)' })),
    clientId: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'default: sunshare-gw-{site}-{gateway}' })),
    keepaliveSec: Type.Integer({ minimum: 5, maximum: 3600, default: 30 }),
    connectTimeoutMs: Type.Integer({ minimum: 500, default: 10_000 }),
    reconnectPeriodMs: Type.Integer({ minimum: 100, default: 2_000 }),
    ackTimeoutMs: Type.Integer({ minimum: 500, default: 30_000, description: 'a batch not acknowledged within this is sent again' }),
  },
  { additionalProperties: false },
);

const Spool = Type.Object(
  {
    dir: Type.String({ minLength: 1, description: 'directory for spool segments, the replay cursor, the seq counter and the last reading timestamp' }),
    maxBytes: Type.Integer({ minimum: 65_536, default: 100 * 1024 * 1024, description: 'oldest segments are evicted beyond this' }),
    segmentBytes: Type.Integer({ minimum: 4_096, default: 1024 * 1024 }),
    fsync: Type.Union([Type.Literal('always'), Type.Literal('never')], {
      default: 'always',
      description: 'always: each batch is on disk before it is sent (survives power loss)',
    }),
    replayBatchesPerSecond: Type.Number({ exclusiveMinimum: 0, default: 20, description: 'bound on replay after an outage' }),
    maxInFlight: Type.Integer({ minimum: 1, maximum: 1000, default: 16, description: 'unacknowledged batches at once' }),
    memoryBytes: Type.Integer({ minimum: 0, default: 8 * 1024 * 1024, description: 'batches the spool cannot take (disk full, read-only, I/O error) are held in memory up to this many payload bytes; beyond it the oldest not in flight are evicted and counted' }),
    retryMs: Type.Integer({ minimum: 50, default: 1_000, description: 'how often a failed spool write is tried again while batches are held in memory' }),
  },
  { additionalProperties: false },
);

/**
 * One flat device object (not a union), so a mistake is reported at its own
 * path (`/devices/3/port`) rather than as "no union member matched".
 * Fields that depend on the transport are checked in crossCheck().
 */
export const DeviceConfig = Type.Object(
  {
    id: Id,
    transport: Type.Union([Type.Literal('tcp'), Type.Literal('rtu')]),
    host: Type.Optional(Type.String({ minLength: 1, description: 'tcp: inverter or Modbus gateway address' })),
    port: Type.Integer({ minimum: 1, maximum: 65_535, default: 502, description: 'tcp: port' }),
    path: Type.Optional(Type.String({ minLength: 1, description: 'rtu: serial device, e.g. /dev/ttyUSB0' })),
    baudRate: Type.Integer({ minimum: 300, maximum: 1_000_000, default: 9600, description: 'rtu' }),
    parity: Type.Union([Type.Literal('none'), Type.Literal('even'), Type.Literal('odd')], { default: 'none', description: 'rtu' }),
    dataBits: Type.Union([Type.Literal(7), Type.Literal(8)], { default: 8, description: 'rtu' }),
    stopBits: Type.Union([Type.Literal(1), Type.Literal(2)], { default: 1, description: 'rtu' }),
    unit: Type.Integer({ minimum: 0, maximum: 255, default: 1, description: 'Modbus unit id (slave address)' }),
    profile: Type.String({ minLength: 1, description: '"sunspec" to discover, or a vendor map name such as huawei-sun2000' }),
    timeoutMs: Type.Integer({ minimum: 50, maximum: 60_000, default: 1_000, description: 'per request' }),
    ratedPowerW: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'for the power_above_rating check (SunSpec devices report it)' })),
  },
  { additionalProperties: false },
);
export type DeviceConfig = Static<typeof DeviceConfig>;

export const GatewayConfig = Type.Object(
  {
    site: Id,
    gateway: Id,
    mqtt: Mqtt,
    pollIntervalMs: Type.Integer({ minimum: 100, maximum: 3_600_000, default: 10_000 }),
    spool: Spool,
    modbus: Type.Object(
      {
        pauseMs: Type.Integer({ minimum: 0, maximum: 10_000, default: 0, description: 'quiet time between requests on one line' }),
        maxGap: Type.Integer({ minimum: 0, maximum: 100, default: 8, description: 'unused registers read to merge two blocks' }),
        backoffMaxMs: Type.Integer({ minimum: 1_000, default: 300_000, description: 'longest wait before retrying a failing device' }),
      },
      { additionalProperties: false, default: {} },
    ),
    devices: Type.Array(DeviceConfig, { minItems: 1, maxItems: 1000 }),
    logLevel: Type.Optional(LogLevel),
  },
  { additionalProperties: false },
);
export type GatewayConfig = Static<typeof GatewayConfig>;

/** Devices with the same key share one connection (tcp) or one serial line (rtu) and its request queue. */
export const lineKey = (d: DeviceConfig): string => (d.transport === 'tcp' ? `tcp://${d.host}:${d.port}` : `rtu:${d.path}`);
const serialSettings = (d: DeviceConfig): string => (d.transport === 'rtu' ? `${d.baudRate}/${d.parity}/${d.dataBits}/${d.stopBits}` : '');

/** Problems the schema cannot express: unique ids, one setting per serial line, unit ids unique per line. */
function crossCheck(cfg: GatewayConfig): string[] {
  const problems: string[] = [];
  const ids = new Map<string, number>();
  const lines = new Map<string, { index: number; serial: string; units: Set<number> }>();
  cfg.devices.forEach((d, i) => {
    const seen = ids.get(d.id);
    if (seen !== undefined) problems.push(`/devices/${i}/id: "${d.id}" is already used by /devices/${seen}`);
    else ids.set(d.id, i);
    if (d.transport === 'tcp' && !d.host) problems.push(`/devices/${i}/host: required when transport is tcp`);
    if (d.transport === 'rtu' && !d.path) problems.push(`/devices/${i}/path: required when transport is rtu`);
    const key = lineKey(d);
    const line = lines.get(key);
    if (!line) {
      lines.set(key, { index: i, serial: serialSettings(d), units: new Set([d.unit]) });
      return;
    }
    if (line.units.has(d.unit)) problems.push(`/devices/${i}/unit: unit ${d.unit} on ${key} is already used by /devices/${line.index} or another device`);
    line.units.add(d.unit);
    if (serialSettings(d) !== line.serial) problems.push(`/devices/${i}: serial line ${d.path} has settings different from /devices/${line.index}`);
  });
  return problems;
}

/** `sunshare gateway`: the file, then these variables, then these flags. */
export const GATEWAY_CONFIG = {
  name: 'gateway options',
  schema: GatewayConfig,
  flags: { site: '/site', gateway: '/gateway', mqtt: '/mqtt/url', spool: '/spool/dir', pollMs: '/pollIntervalMs', logLevel: '/logLevel' },
  env: { MQTT_URL: '/mqtt/url', MQTT_USERNAME: '/mqtt/username', MQTT_PASSWORD: '/mqtt/password', LOG_LEVEL: '/logLevel' },
  check: crossCheck,
} satisfies ConfigSpec<typeof GatewayConfig>;

/** The file alone (no flags, no environment). */
export function loadGatewayConfig(file: string): GatewayConfig {
  return loadConfig({ name: file, schema: GatewayConfig, check: crossCheck }, { file });
}

export function parseGatewayConfig(raw: unknown, source = 'gateway config'): GatewayConfig {
  return loadConfig({ name: source, schema: GatewayConfig, check: crossCheck }, { base: raw });
}

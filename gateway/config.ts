import { Type, type Static } from '@sinclair/typebox';
import { Id } from '../common/contract.ts';
import { ADDRESS_PATTERN } from '../common/devices/index.ts';
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
/** A DL/T 645-2007 meter's own settings (the device's baudRate and parity are Modbus's). */
export const Dlt645DeviceConfig = Type.Object(
  {
    address: Type.String({ pattern: ADDRESS_PATTERN, description: "the meter's communication address: 12 digits, as on its nameplate" }),
    baudRate: Type.Integer({ minimum: 300, maximum: 115_200, default: 2400, description: 'the standard default is 2400' }),
    parity: Type.Union([Type.Literal('none'), Type.Literal('even'), Type.Literal('odd')], { default: 'even', description: 'the standard frames bytes 8E1' }),
    preamble: Type.Integer({ minimum: 0, maximum: 8, default: 4, description: 'FE wake-up bytes before each request' }),
    reversed: Type.Boolean({ default: false, description: "the meter's forward direction counts the station's output (swap the counters, negate power and current)" }),
    tariffs: Type.Boolean({ default: true, description: "read the 8 per-tariff counters each poll (8 of the map's 14 requests); false on a line too slow or busy for them" }),
  },
  { additionalProperties: false },
);
export type Dlt645DeviceConfig = Static<typeof Dlt645DeviceConfig>;

export const DeviceConfig = Type.Object(
  {
    id: Id,
    protocol: Type.Union([Type.Literal('modbus'), Type.Literal('dlt645')], { default: 'modbus', description: 'dlt645: a DL/T 645-2007 meter on an RS-485 line (transport rtu)' }),
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
    connectDelayMs: Type.Integer({ minimum: 0, maximum: 30_000, default: 0, description: 'quiet time after each (re)connect before the first request; the longest of a line\'s devices applies (Huawei SDongle/SmartLogger: 1000)' }),
    ratedPowerW: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'for the power_above_rating check (SunSpec devices report it)' })),
    dlt645: Type.Optional(Dlt645DeviceConfig),
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
/** The serial settings a device's protocol uses on its line (DL/T 645: its own, 8 data bits, 1 stop bit). */
export function serialOf(d: DeviceConfig): { baudRate: number; parity: 'none' | 'even' | 'odd'; dataBits: 7 | 8; stopBits: 1 | 2 } {
  if (d.protocol === 'dlt645' && d.dlt645) return { baudRate: d.dlt645.baudRate, parity: d.dlt645.parity, dataBits: 8, stopBits: 1 };
  return { baudRate: d.baudRate, parity: d.parity, dataBits: d.dataBits, stopBits: d.stopBits };
}
const serialSettings = (d: DeviceConfig): string => {
  const s = serialOf(d);
  return d.transport === 'rtu' ? `${s.baudRate}/${s.parity}/${s.dataBits}/${s.stopBits}` : '';
};

/**
 * Problems the schema cannot express: unique ids; per line and protocol one serial setting and
 * unique unit ids (Modbus) or meter addresses (DL/T 645). Modbus and DL/T 645 devices may share a
 * line with different settings: the line reopens its port with the other protocol's settings when
 * it switches between them (docs/gateway.md, "Mixed bus").
 */
function crossCheck(cfg: GatewayConfig): string[] {
  const problems: string[] = [];
  const ids = new Map<string, number>();
  const lines = new Map<string, { index: number; serial: string; ids: Set<string> }>();
  cfg.devices.forEach((d, i) => {
    const seen = ids.get(d.id);
    if (seen !== undefined) problems.push(`/devices/${i}/id: "${d.id}" is already used by /devices/${seen}`);
    else ids.set(d.id, i);
    if (d.transport === 'tcp' && !d.host) problems.push(`/devices/${i}/host: required when transport is tcp`);
    if (d.transport === 'rtu' && !d.path) problems.push(`/devices/${i}/path: required when transport is rtu`);
    if (d.protocol === 'dlt645') {
      if (d.transport !== 'rtu') problems.push(`/devices/${i}/transport: a DL/T 645 meter is read on an RS-485 line: transport rtu`);
      if (!d.dlt645) {
        problems.push(`/devices/${i}/dlt645: required when protocol is dlt645 (at least the meter's address)`);
        return;
      }
    } else if (d.dlt645) problems.push(`/devices/${i}/dlt645: only for protocol dlt645`);
    const key = `${lineKey(d)}#${d.protocol}`;
    const what = d.protocol === 'dlt645' ? `address ${d.dlt645?.address ?? '?'}` : `unit ${d.unit}`;
    const line = lines.get(key);
    if (!line) {
      lines.set(key, { index: i, serial: serialSettings(d), ids: new Set([what]) });
      return;
    }
    if (line.ids.has(what)) problems.push(`/devices/${i}/${d.protocol === 'dlt645' ? 'dlt645/address' : 'unit'}: ${what} on ${lineKey(d)} is already used by /devices/${line.index} or another device`);
    line.ids.add(what);
    if (serialSettings(d) !== line.serial) problems.push(`/devices/${i}: serial line ${d.path} has settings different from /devices/${line.index} (the ${d.protocol === 'dlt645' ? 'DL/T 645 meters' : 'Modbus devices'} of one line share one setting)`);
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

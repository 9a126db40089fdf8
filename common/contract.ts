import { Type, type Static } from '@sinclair/typebox';

/**
 * The message contract between gateway and ingest, version 1.
 * docs/contract.md explains it for people; this file is what both sides validate against.
 *
 * Topics:
 *   sunshare/v1/{site}/{gateway}/telemetry   QoS 1, one TelemetryBatch per poll cycle
 *   sunshare/v1/{site}/{gateway}/status      QoS 1, retained, GatewayStatus (last will: online=false)
 *   sunshare/v1/_deadletter/{site}/{gateway} what ingest rejected, with the reason
 */
export const TOPIC_ROOT = 'sunshare/v1';
export const TELEMETRY_SCHEMA = 'sunshare.telemetry/1';
export const STATUS_SCHEMA = 'sunshare.status/1';

/** Site, gateway and device ids: safe in topics, InfluxDB tags, file names and SQL. */
export const ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$';
export const Id = Type.String({ pattern: ID_PATTERN });

export const topics = {
  telemetry: (site: string, gateway: string) => `${TOPIC_ROOT}/${site}/${gateway}/telemetry`,
  status: (site: string, gateway: string) => `${TOPIC_ROOT}/${site}/${gateway}/status`,
  deadLetter: (site: string, gateway: string) => `${TOPIC_ROOT}/_deadletter/${site}/${gateway}`,
  allTelemetry: `${TOPIC_ROOT}/+/+/telemetry`,
  allStatus: `${TOPIC_ROOT}/+/+/status`,
} as const;

const ID_RE = new RegExp(ID_PATTERN);

/** Splits a telemetry or status topic into its parts, or returns undefined (once per message: no regex compiled per call). */
export function parseTopic(topic: string): { site: string; gateway: string; kind: 'telemetry' | 'status' } | undefined {
  const parts = topic.split('/');
  if (parts.length !== 5 || `${parts[0]}/${parts[1]}` !== TOPIC_ROOT) return undefined;
  const [, , site, gateway, kind] = parts as [string, string, string, string, string];
  if (kind !== 'telemetry' && kind !== 'status') return undefined;
  if (!ID_RE.test(site) || !ID_RE.test(gateway)) return undefined;
  return { site, gateway, kind };
}

/** SunSpec operating states (model 1xx `St`), lower-cased. */
export const INVERTER_STATES = ['off', 'sleeping', 'starting', 'mppt', 'throttled', 'shutting_down', 'fault', 'standby'] as const;
export const InverterState = Type.Union(INVERTER_STATES.map((s) => Type.Literal(s)));

/**
 * Quality flags the gateway attaches instead of dropping or "fixing" a value:
 * - energy_backwards: the lifetime counter is lower than the last one read
 * - power_above_rating: power far above the device's rating
 * - not_finite: a field decoded to NaN/Infinity and was left out
 * - stale: the device repeated an identical frame for longer than plausible
 * - device_replaced: the serial number changed since the last read
 */
export const QUALITY_FLAGS = ['energy_backwards', 'power_above_rating', 'not_finite', 'stale', 'device_replaced'] as const;
export const QualityFlag = Type.Union(QUALITY_FLAGS.map((s) => Type.Literal(s)));

/** The meter's per-tariff counters (Reading below): t1 sharp, t2 peak, t3 flat, t4 valley, as DL/T 645 numbers them. */
export const TARIFF_ENERGY_FIELDS = [
  'export_energy_wh_t1',
  'export_energy_wh_t2',
  'export_energy_wh_t3',
  'export_energy_wh_t4',
  'import_energy_wh_t1',
  'import_energy_wh_t2',
  'import_energy_wh_t3',
  'import_energy_wh_t4',
] as const;

const num = (opts: { minimum?: number; maximum?: number } = {}) => Type.Optional(Type.Number(opts));

/** One device's normalized values at one instant, SI units. Absent means "not implemented by the device". */
export const Reading = Type.Object(
  {
    device: Id,
    kind: Type.Union([Type.Literal('inverter'), Type.Literal('meter')]),
    /** Time the values were read, epoch milliseconds (UTC). */
    ts: Type.Integer({ minimum: 0 }),
    serial: Type.Optional(Type.String({ maxLength: 64 })),
    ac_power_w: num({ minimum: -1e8, maximum: 1e8 }),
    /** Lifetime AC energy counter, Wh. */
    ac_energy_wh: num({ minimum: 0, maximum: 1e15 }),
    dc_power_w: num({ minimum: -1e8, maximum: 1e8 }),
    ac_voltage_v: num({ minimum: 0, maximum: 1e5 }),
    ac_current_a: num({ minimum: -1e5, maximum: 1e5 }),
    frequency_hz: num({ minimum: 0, maximum: 1000 }),
    temperature_c: num({ minimum: -100, maximum: 300 }),
    /**
     * An irradiance sensor the device reads (SunSpec model 302 POAI, a met station): plane-of-array
     * irradiance, W/m2, and the module (back-of-panel) temperature. Any reading of a site may carry
     * them; the monitor scales expected energy by them (docs/monitor.md).
     */
    poa_irradiance_w_m2: num({ minimum: 0, maximum: 2000 }),
    module_temperature_c: num({ minimum: -100, maximum: 300 }),
    state: Type.Optional(InverterState),
    alarms: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 64 })),
    /** Meter counters, Wh. */
    export_energy_wh: num({ minimum: 0, maximum: 1e15 }),
    import_energy_wh: num({ minimum: 0, maximum: 1e15 }),
    /**
     * The meter's counters per tariff period (time-of-use: t1 sharp, t2 peak, t3 flat, t4 valley, the
     * DL/T 645 order), Wh. Reported alongside the totals, never instead: energy is computed from the totals.
     */
    export_energy_wh_t1: num({ minimum: 0, maximum: 1e15 }),
    export_energy_wh_t2: num({ minimum: 0, maximum: 1e15 }),
    export_energy_wh_t3: num({ minimum: 0, maximum: 1e15 }),
    export_energy_wh_t4: num({ minimum: 0, maximum: 1e15 }),
    import_energy_wh_t1: num({ minimum: 0, maximum: 1e15 }),
    import_energy_wh_t2: num({ minimum: 0, maximum: 1e15 }),
    import_energy_wh_t3: num({ minimum: 0, maximum: 1e15 }),
    import_energy_wh_t4: num({ minimum: 0, maximum: 1e15 }),
    quality: Type.Optional(Type.Array(QualityFlag, { maxItems: QUALITY_FLAGS.length })),
  },
  { additionalProperties: false },
);
export type Reading = Static<typeof Reading>;

export const TelemetryBatch = Type.Object(
  {
    schema: Type.Literal(TELEMETRY_SCHEMA),
    site: Id,
    gateway: Id,
    /** Increases by one per batch per gateway and survives restarts: gaps and duplicates are visible. */
    seq: Type.Integer({ minimum: 0 }),
    /** When the gateway made the batch, epoch ms. A replayed batch keeps its original sentAt. */
    sentAt: Type.Integer({ minimum: 0 }),
    readings: Type.Array(Reading, { maxItems: 1000 }),
  },
  { additionalProperties: false },
);
export type TelemetryBatch = Static<typeof TelemetryBatch>;

export const DeviceHealth = Type.Object(
  {
    device: Id,
    ok: Type.Boolean(),
    lastGoodReadAt: Type.Optional(Type.Integer({ minimum: 0 })),
    consecutiveErrors: Type.Integer({ minimum: 0 }),
    latencyMs: Type.Optional(Type.Number({ minimum: 0 })),
    lastError: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);
export type DeviceHealth = Static<typeof DeviceHealth>;

/** The gateway's wall clock as it saw it (gateway/clock.ts). */
export const GatewayClockStatus = Type.Object(
  {
    /** Steps of the wall clock against the monotonic clock larger than 1 s, since the gateway started. */
    jumps: Type.Integer({ minimum: 0 }),
    /** Size of the last step, ms; negative when the clock went back. */
    lastStepMs: Type.Integer(),
    /** Timestamps (of readings and batches) given just after the previous one rather than at the (earlier) wall-clock time. */
    held: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type GatewayClockStatus = Static<typeof GatewayClockStatus>;

export const GatewayStatus = Type.Object(
  {
    schema: Type.Literal(STATUS_SCHEMA),
    site: Id,
    gateway: Id,
    online: Type.Boolean(),
    ts: Type.Integer({ minimum: 0 }),
    version: Type.Optional(Type.String({ maxLength: 64 })),
    spool: Type.Optional(
      Type.Object(
        {
          bytes: Type.Integer({ minimum: 0 }),
          batches: Type.Integer({ minimum: 0 }),
          evictedBatches: Type.Integer({ minimum: 0 }),
          /** Batches the spool could not take (disk full, read-only, I/O error), held in memory. */
          memoryBatches: Type.Optional(Type.Integer({ minimum: 0 })),
          memoryBytes: Type.Optional(Type.Integer({ minimum: 0 })),
          /** Dropped from the full memory buffer, oldest first, and their readings (since the gateway started). */
          memoryEvictedBatches: Type.Optional(Type.Integer({ minimum: 0 })),
          memoryEvictedReadings: Type.Optional(Type.Integer({ minimum: 0 })),
          /** Failed writes to the spool directory since the gateway started, and the last error while they go on. */
          writeFailures: Type.Optional(Type.Integer({ minimum: 0 })),
          writeError: Type.Optional(Type.String({ maxLength: 200 })),
        },
        { additionalProperties: false },
      ),
    ),
    devices: Type.Optional(Type.Array(DeviceHealth, { maxItems: 1000 })),
    clock: Type.Optional(GatewayClockStatus),
  },
  { additionalProperties: false },
);
export type GatewayStatus = Static<typeof GatewayStatus>;

/**
 * InfluxDB layout written by ingest and read by the dashboards (InfluxQL).
 * Timestamps are the reading's own `ts` (ms precision); a redelivered point
 * has the same series and time, so it overwrites instead of duplicating.
 *
 * inverter, meter   tags: site, gateway, device
 *                   fields: every numeric Reading field present (same names),
 *                   state (string), alarms (string, comma-separated, "" when none),
 *                   quality (string, comma-separated flags, only when any), serial (string)
 * gateway           tags: site, gateway; time: status ts
 *                   fields: online (bool), spool_bytes, spool_batches, spool_evicted_batches,
 *                   spool_memory_batches, spool_memory_bytes, spool_memory_evicted_batches,
 *                   spool_memory_evicted_readings, spool_write_failures (int, when the gateway sends them),
 *                   clock_jumps, clock_last_step_ms, clock_held (int)
 * device_health     tags: site, gateway, device; time: status ts
 *                   fields: ok (bool), consecutive_errors (int), latency_ms (float), last_error (string)
 * gateway_batch     tags: site, gateway; time: batch sentAt
 *                   fields: seq (int), readings (int), lag_ms (int: ingest receive time - sentAt)
 */
export const MEASUREMENTS = {
  inverter: 'inverter',
  meter: 'meter',
  gateway: 'gateway',
  deviceHealth: 'device_health',
  gatewayBatch: 'gateway_batch',
} as const;
export const INFLUX_TAGS = ['site', 'gateway', 'device'] as const;

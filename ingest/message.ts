import { Type } from '@sinclair/typebox';
import {
  GatewayStatus,
  parseTopic,
  Reading,
  STATUS_SCHEMA,
  TELEMETRY_SCHEMA,
  TelemetryBatch,
  type GatewayStatus as GatewayStatusT,
  type Reading as ReadingT,
} from '../common/contract.ts';
import { isUtf8 } from 'node:buffer';
import { validator } from '../common/validate.ts';
import type { Registry } from './registry.ts';

/** Why something went to the dead-letter topic; also the `reason` label of the metric. */
export type DeadReason = 'bad_topic' | 'not_json' | 'wrong_schema' | 'invalid' | 'topic_mismatch' | 'unknown_site' | 'unknown_device' | 'absurd_time' | 'internal';

export interface DeadLetter {
  reason: DeadReason;
  /** Every problem, `path: message`. */
  problems: string[];
  site?: string;
  gateway?: string;
  /** The rejected message (when the whole message was rejected) or reading. */
  rejected: unknown;
}

export type Decoded =
  | { kind: 'telemetry'; batch: TelemetryBatchT; dead: DeadLetter[] }
  | { kind: 'status'; status: GatewayStatusT; dead: DeadLetter[] }
  | { kind: 'dead'; dead: DeadLetter[] };

type TelemetryBatchT = Omit<TelemetryBatch, 'readings'> & { readings: ReadingT[] };

// The envelope is checked first, then each reading on its own: one bad reading does not cost its neighbours.
const Envelope = Type.Object({ ...TelemetryBatch.properties, readings: Type.Array(Type.Unknown(), { maxItems: 1000 }) }, { additionalProperties: false });
const envelope = validator(Envelope);
const reading = validator(Reading);
const status = validator(GatewayStatus);

/** Reading timestamps before this or more than a day in the future are absurd. */
const EARLIEST_TS = Date.UTC(2000, 0, 1);
const MAX_FUTURE_MS = 86_400_000;

function parseJson(payload: Buffer): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(payload.toString('utf8')) };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

const payloadPreview = (payload: Buffer) => payload.toString('utf8', 0, Math.min(payload.length, 2000));

/**
 * A value for a problem message, whatever it is: JSON.stringify of a parsed
 * value can overflow the stack (JSON.parse accepts far deeper nesting than
 * JSON.stringify can write back), so only scalars are shown.
 */
export function describeValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 100 ? `${v.slice(0, 100)}…` : v);
  if (v === null || typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `an array of ${v.length}`;
  return v === undefined ? 'nothing' : `an ${typeof v}`;
}

/** An epoch-ms time for a problem message; `new Date(x).toISOString()` throws beyond ±8.64e15. */
const timeText = (ms: number) => (Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : String(ms));

/** The first number beyond ±(2^53 − 1) in a validated status (a few levels deep), with its path. */
function unsafeNumber(v: unknown, path: string): { path: string; value: number } | undefined {
  if (typeof v === 'number') return Math.abs(v) > Number.MAX_SAFE_INTEGER ? { path: path || '/', value: v } : undefined;
  if (typeof v !== 'object' || v === null) return undefined;
  for (const [k, x] of Object.entries(v)) {
    const found = unsafeNumber(x, `${path}/${k}`);
    if (found) return found;
  }
  return undefined;
}

/** InfluxDB's last instant (int64 nanoseconds), in ms. */
const INFLUX_LAST_MS = 9_223_372_036_854;

const absurdTime = (ms: number, now: number) => ms < EARLIEST_TS || ms > now + MAX_FUTURE_MS;

/**
 * decodeMessage, and any error it throws all the same (a bug) turned into an `internal` dead letter
 * of the whole message: one message must never stop ingest.
 */
export function decodeSafely(topic: string, payload: Buffer, registry: Registry, now = Date.now()): Decoded {
  try {
    return decodeMessage(topic, payload, registry, now);
  } catch (err) {
    const where = parseTopic(topic);
    return { kind: 'dead', dead: [{ reason: 'internal', problems: [`/: ${errorText(err)}`], site: where?.site, gateway: where?.gateway, rejected: payloadPreview(payload) }] };
  }
}

/** An error's message, whatever was thrown. */
export const errorText = (err: unknown): string => (err instanceof Error ? `${err.name}: ${err.message}` : `thrown: ${describeValue(err)}`);

/** Decodes and validates one MQTT message against the contract and the registry. */
export function decodeMessage(topic: string, payload: Buffer, registry: Registry, now = Date.now()): Decoded {
  const where = parseTopic(topic);
  if (!where) return { kind: 'dead', dead: [{ reason: 'bad_topic', problems: [`topic ${topic} is not sunshare/v1/{site}/{gateway}/telemetry|status`], rejected: payloadPreview(payload) }] };
  const { site, gateway } = where;
  const dead = (reason: DeadReason, problems: string[], rejected: unknown): Decoded => ({ kind: 'dead', dead: [{ reason, problems, site, gateway, rejected }] });

  // Invalid UTF-8 would be decoded to U+FFFD and stored as if it had been sent.
  if (!isUtf8(payload)) return dead('not_json', ['/: the payload is not valid UTF-8'], payloadPreview(payload));
  const json = parseJson(payload);
  if (!json.ok) return dead('not_json', [`/: ${json.error}`], payloadPreview(payload));
  const msg = json.value as { schema?: unknown; site?: unknown; gateway?: unknown };
  const expected = where.kind === 'telemetry' ? TELEMETRY_SCHEMA : STATUS_SCHEMA;
  if (typeof msg !== 'object' || msg === null || msg.schema !== expected) {
    const got = typeof msg === 'object' && msg !== null ? describeValue(msg.schema) : describeValue(msg);
    return dead('wrong_schema', [`/schema: expected ${expected}, got ${got}`], json.value);
  }
  const problems = where.kind === 'telemetry' ? envelope.problems(json.value) : status.problems(json.value);
  if (problems.length > 0) return dead('invalid', problems, json.value);
  const seq = (json.value as { seq?: unknown }).seq;
  if (typeof seq === 'number' && seq > Number.MAX_SAFE_INTEGER) return dead('invalid', [`/seq: ${seq} is beyond 2^53 (not exact in JSON numbers)`], json.value);
  if (msg.site !== site || msg.gateway !== gateway) {
    return dead('topic_mismatch', [`/site, /gateway: message says ${String(msg.site)}/${String(msg.gateway)}, topic says ${site}/${gateway}`], json.value);
  }
  if (!registry.hasSite(site)) return dead('unknown_site', [`/site: site ${site} is not in the registry`], json.value);
  // The batch's (or status's) own time becomes a point's timestamp. A batch's is held to its readings' limits; a
  // status's only to what InfluxDB can store (a last will keeps the time its gateway connected, whatever the clock).
  if (where.kind === 'telemetry') {
    const sentAt = (json.value as TelemetryBatchT).sentAt;
    if (absurdTime(sentAt, now)) return dead('absurd_time', [`/sentAt: ${timeText(sentAt)} is before 2000 or more than a day ahead`], json.value);
  } else if ((json.value as GatewayStatusT).ts > INFLUX_LAST_MS) {
    return dead('absurd_time', [`/ts: ${timeText((json.value as GatewayStatusT).ts)} is after 2262-04-11, the end of InfluxDB's time`], json.value);
  }
  if (where.kind === 'status') {
    const huge = unsafeNumber(json.value, '');
    if (huge) return dead('invalid', [`${huge.path}: ${huge.value} is beyond 2^53 (InfluxDB integer fields and JSON numbers are not exact there)`], json.value);
    return { kind: 'status', status: json.value as GatewayStatusT, dead: [] };
  }

  const raw = json.value as TelemetryBatchT & { readings: unknown[] };
  const good: ReadingT[] = [];
  const rejected: DeadLetter[] = [];
  raw.readings.forEach((r, i) => {
    const p = reading.problems(r);
    if (p.length > 0) return void rejected.push({ reason: 'invalid', problems: p.map((x) => `/readings/${i}${x}`), site, gateway, rejected: r });
    const rd = r;
    const text = [rd.serial, ...(rd.alarms ?? [])].find((t) => t !== undefined && !t.isWellFormed());
    if (text !== undefined) return void rejected.push({ reason: 'invalid', problems: [`/readings/${i}: serial or alarm ${describeValue(text)} has a lone surrogate (not Unicode text)`], site, gateway, rejected: r });
    const known = registry.device(site, rd.device);
    if (!known) return void rejected.push({ reason: 'unknown_device', problems: [`/readings/${i}/device: ${rd.device} is not a device of site ${site}`], site, gateway, rejected: r });
    if (known.kind !== rd.kind) return void rejected.push({ reason: 'invalid', problems: [`/readings/${i}/kind: ${rd.device} is registered as ${known.kind}, not ${rd.kind}`], site, gateway, rejected: r });
    if (absurdTime(rd.ts, now)) {
      return void rejected.push({ reason: 'absurd_time', problems: [`/readings/${i}/ts: ${timeText(rd.ts)} is before 2000 or more than a day ahead`], site, gateway, rejected: r });
    }
    good.push(rd);
  });
  return { kind: 'telemetry', batch: { ...raw, readings: good }, dead: rejected };
}

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
import { validator } from '../common/validate.ts';
import type { Registry } from './registry.ts';

/** Why something went to the dead-letter topic; also the `reason` label of the metric. */
export type DeadReason = 'bad_topic' | 'not_json' | 'wrong_schema' | 'invalid' | 'topic_mismatch' | 'unknown_site' | 'unknown_device' | 'absurd_time';

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

/** Decodes and validates one MQTT message against the contract and the registry. Never throws. */
export function decodeMessage(topic: string, payload: Buffer, registry: Registry, now = Date.now()): Decoded {
  const where = parseTopic(topic);
  if (!where) return { kind: 'dead', dead: [{ reason: 'bad_topic', problems: [`topic ${topic} is not sunshare/v1/{site}/{gateway}/telemetry|status`], rejected: payloadPreview(payload) }] };
  const { site, gateway } = where;
  const dead = (reason: DeadReason, problems: string[], rejected: unknown): Decoded => ({ kind: 'dead', dead: [{ reason, problems, site, gateway, rejected }] });

  const json = parseJson(payload);
  if (!json.ok) return dead('not_json', [`/: ${json.error}`], payloadPreview(payload));
  const msg = json.value as { schema?: unknown; site?: unknown; gateway?: unknown };
  const expected = where.kind === 'telemetry' ? TELEMETRY_SCHEMA : STATUS_SCHEMA;
  if (typeof msg !== 'object' || msg === null || msg.schema !== expected) {
    return dead('wrong_schema', [`/schema: expected ${expected}, got ${JSON.stringify((msg as { schema?: unknown } | null)?.schema)}`], json.value);
  }
  const problems = where.kind === 'telemetry' ? envelope.problems(json.value) : status.problems(json.value);
  if (problems.length > 0) return dead('invalid', problems, json.value);
  if (msg.site !== site || msg.gateway !== gateway) {
    return dead('topic_mismatch', [`/site, /gateway: message says ${String(msg.site)}/${String(msg.gateway)}, topic says ${site}/${gateway}`], json.value);
  }
  if (!registry.hasSite(site)) return dead('unknown_site', [`/site: site ${site} is not in the registry`], json.value);
  if (where.kind === 'status') return { kind: 'status', status: json.value as GatewayStatusT, dead: [] };

  const raw = json.value as TelemetryBatchT & { readings: unknown[] };
  const good: ReadingT[] = [];
  const rejected: DeadLetter[] = [];
  raw.readings.forEach((r, i) => {
    const p = reading.problems(r);
    if (p.length > 0) return void rejected.push({ reason: 'invalid', problems: p.map((x) => `/readings/${i}${x}`), site, gateway, rejected: r });
    const rd = r;
    const known = registry.device(site, rd.device);
    if (!known) return void rejected.push({ reason: 'unknown_device', problems: [`/readings/${i}/device: ${rd.device} is not a device of site ${site}`], site, gateway, rejected: r });
    if (known.kind !== rd.kind) return void rejected.push({ reason: 'invalid', problems: [`/readings/${i}/kind: ${rd.device} is registered as ${known.kind}, not ${rd.kind}`], site, gateway, rejected: r });
    if (rd.ts < EARLIEST_TS || rd.ts > now + MAX_FUTURE_MS) {
      return void rejected.push({ reason: 'absurd_time', problems: [`/readings/${i}/ts: ${new Date(rd.ts).toISOString()} is before 2000 or more than a day ahead`], site, gateway, rejected: r });
    }
    good.push(rd);
  });
  return { kind: 'telemetry', batch: { ...raw, readings: good }, dead: rejected };
}

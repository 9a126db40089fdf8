import fc from 'fast-check';
import { TELEMETRY_SCHEMA, type Reading } from '../../common/contract.ts';

/**
 * Hostile MQTT payloads for ingest, each one guaranteed to be wrong somewhere
 * (so ingest must reject at least part of it), tagged with what is wrong.
 * A hostile batch may carry good readings too: those must still arrive.
 */
export interface HostileMessage {
  kind: string;
  /** The raw payload, exactly as published. */
  payload: string | Buffer;
  /** Readings in it that are valid and must be stored. */
  good: Reading[];
}

export interface HostileContext {
  site: string;
  /** The gateway id the message claims (also its topic). */
  gateway: string;
  devices: string[];
  /** A base time; good readings get unique timestamps from it. */
  now: number;
  nextTs: () => number;
}

const batch = (c: HostileContext, readings: unknown[], extra: Record<string, unknown> = {}) => ({ schema: TELEMETRY_SCHEMA, site: c.site, gateway: c.gateway, seq: 1, sentAt: c.now, readings, ...extra });
const good = (c: HostileContext, device: string): Reading => ({ device, kind: 'inverter', ts: c.nextTs(), ac_power_w: 1234.5, ac_energy_wh: 5_000_000 + (c.nextTs() % 1000), state: 'mppt' });

const notJson = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
  fc.constantFrom('{"schema": NaN}', '{"readings": [Infinity]}', '{', '{"a":1}}', '\u0000\u0001', '[1,2,', 'null null', '{"x": -Infinity}', "{'single': 'quotes'}"),
).filter((p) => {
  try {
    JSON.parse(p.toString());
    return false;
  } catch {
    return true;
  }
});

/** Wrong types at every level of an otherwise sensible message. */
const wrongTypes = fc.record({
  field: fc.constantFrom('schema', 'site', 'gateway', 'seq', 'sentAt', 'readings'),
  value: fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 3 }), fc.object({ maxDepth: 2 })),
});

/** A reading with one field made wrong (type, range, unicode id, far time). */
const badReadingField = fc.oneof(
  fc.record({ f: fc.constantFrom('ac_power_w', 'ac_energy_wh', 'temperature_c', 'frequency_hz'), v: fc.oneof(fc.string({ maxLength: 8 }), fc.constant(1e300), fc.constant(-1e300), fc.constant(null), fc.boolean()) }),
  fc.record({ f: fc.constant('device'), v: fc.oneof(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 10 }).map((s) => `设备${s}`), fc.constant(''), fc.constant('a'.repeat(65)), fc.constant("inv0' OR 1=1 --"), fc.constant('inv0" ,device=x'), fc.constant('inv\n0')) }),
  fc.record({ f: fc.constant('ts'), v: fc.oneof(fc.constant(-1), fc.constant(1.5), fc.constant(Date.UTC(1970, 0, 2)), fc.constant(Date.UTC(1999, 11, 31)), fc.constant(Date.UTC(2300, 0, 1)), fc.constant('2026-01-01')) }),
  fc.record({ f: fc.constant('kind'), v: fc.oneof(fc.constant('meter'), fc.constant('battery'), fc.constant(7)) }),
  fc.record({ f: fc.constant('state'), v: fc.oneof(fc.constant('exploding'), fc.constant('MPPT')) }),
  fc.record({ f: fc.constant('__proto__'), v: fc.constant({ polluted: true }) }),
  fc.record({ f: fc.constant('extra_field'), v: fc.jsonValue({ maxDepth: 2 }) }),
);

function deepNest(depth: number, arrays: boolean): string {
  return arrays ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

/** Arbitrary for one hostile message in context `c` (evaluated when sampled). */
export function hostileMessage(c: () => HostileContext): fc.Arbitrary<HostileMessage> {
  return fc.oneof(
    notJson.map((p) => ({ kind: 'not_json', payload: p, good: [] })),
    fc.jsonValue({ maxDepth: 3 }).map((v) => ({ kind: 'any_json', payload: JSON.stringify(v) ?? 'null', good: [] })),
    wrongTypes.map(({ field, value }) => {
      const ctx = c();
      return { kind: `wrong_type_${field}`, payload: JSON.stringify(batch(ctx, [good(ctx, ctx.devices[0]!)], { [field]: value === undefined ? null : value })), good: [] };
    }).filter((m) => {
      const o = JSON.parse(m.payload) as Record<string, unknown>;
      return !(o.schema === TELEMETRY_SCHEMA && Number.isInteger(o.seq) && Number.isInteger(o.sentAt) && Array.isArray(o.readings) && o.site === c().site && o.gateway === c().gateway);
    }),
    fc.tuple(badReadingField, fc.integer({ min: 0, max: 3 })).map(([{ f, v }, goodCount]) => {
      const ctx = c();
      const goods = Array.from({ length: goodCount }, (_, i) => good(ctx, ctx.devices[i % ctx.devices.length]!));
      const bad: Record<string, unknown> = { ...good(ctx, ctx.devices[0]!) };
      if (f === '__proto__') Object.defineProperty(bad, '__proto__', { value: v, enumerable: true });
      else bad[f] = v;
      return { kind: `bad_reading_${f}`, payload: JSON.stringify(batch(ctx, [...goods, bad])), good: goods };
    }),
    fc.integer({ min: 1001, max: 20_000 }).map((n) => {
      const ctx = c();
      const r = good(ctx, ctx.devices[0]!);
      return { kind: 'huge_array', payload: JSON.stringify(batch(ctx, Array.from({ length: n }, () => r))), good: [] };
    }),
    fc.tuple(fc.integer({ min: 100, max: 20_000 }), fc.boolean(), fc.constantFrom('reading', 'envelope_field', 'reading_field')).map(([depth, arrays, where]) => {
      const ctx = c();
      const nest = deepNest(depth, arrays);
      const fine = good(ctx, ctx.devices[0]!);
      const base = JSON.stringify(batch(ctx, [fine]));
      const json =
        where === 'reading' ? base.replace('"readings":[', `"readings":[${nest},`)
        : where === 'envelope_field' ? base.replace('{"schema"', `{"deep":${nest},"schema"`)
        : base.replace('"device":', `"deep":${nest},"device":`);
      return { kind: `deep_nesting_${where}`, payload: json, good: where === 'reading' ? [fine] : [] };
    }),
    fc.constant(null).map(() => {
      const ctx = c();
      return { kind: 'unknown_device', payload: JSON.stringify(batch(ctx, [{ ...good(ctx, 'no-such-device') }])), good: [] };
    }),
    fc.constant(null).map(() => {
      const ctx = c();
      return { kind: 'topic_mismatch', payload: JSON.stringify(batch(ctx, [good(ctx, ctx.devices[0]!)], { site: 'someone-else' })), good: [] };
    }),
    fc.constantFrom('NaN', 'Infinity', '-Infinity', '1e999', '-1e999').map((lit) => {
      const ctx = c();
      const json = JSON.stringify(batch(ctx, [good(ctx, ctx.devices[0]!)])).replace('"ac_power_w":1234.5', `"ac_power_w":${lit}`);
      return { kind: `number_${lit}`, payload: json, good: [] };
    }),
  );
}

import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { SunshareError } from '../common/errors.ts';
import { validator } from '../common/validate.ts';

/**
 * Faults a simulated device can show, set in the config (scheduled) or at
 * runtime (control API). Lasting faults stay until cleared; one-shot faults
 * (counter_reset, counter_rollover, replace) act once.
 */
export const Fault = Type.Union([
  Type.Object({ kind: Type.Literal('silent') }, { additionalProperties: false, description: 'requests get no answer (the client times out)' }),
  Type.Object(
    { kind: Type.Literal('slow'), delayMs: Type.Integer({ minimum: 1, maximum: 600_000, default: 2000 }) },
    { additionalProperties: false, description: 'answers arrive delayMs late' },
  ),
  Type.Object(
    { kind: Type.Literal('exception'), code: Type.Integer({ minimum: 1, maximum: 255, default: 6 }) },
    { additionalProperties: false, description: 'every request gets a Modbus exception (6 = busy, 2 = illegal address)' },
  ),
  Type.Object({ kind: Type.Literal('counter_reset') }, { additionalProperties: false, description: 'the lifetime energy counter restarts at zero' }),
  Type.Object(
    { kind: Type.Literal('counter_rollover'), aheadWh: Type.Number({ minimum: 0, default: 1000 }) },
    { additionalProperties: false, description: 'the counter jumps to aheadWh below its 32-bit wrap, so it rolls over soon' },
  ),
  Type.Object(
    { kind: Type.Literal('replace'), serial: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })) },
    { additionalProperties: false, description: 'the device is swapped: new serial number, counter restarts at zero' },
  ),
  Type.Object(
    { kind: Type.Literal('trip'), alarms: Type.Optional(Type.Array(Type.String(), { minItems: 1 })) },
    { additionalProperties: false, description: 'FAULT state, no power, alarm bits set' },
  ),
  Type.Object({ kind: Type.Literal('stuck') }, { additionalProperties: false, description: 'registers freeze at their current values' }),
  Type.Object(
    { kind: Type.Literal('string_failure'), fraction: Type.Number({ exclusiveMinimum: 0, maximum: 1, default: 0.25 }) },
    { additionalProperties: false, description: 'a string fails (blown fuse, broken connector): the array loses this fraction of its DC power' },
  ),
  Type.Object(
    {
      kind: Type.Literal('soiling'),
      percentPerDay: Type.Number({ exclusiveMinimum: 0, maximum: 50, default: 1 }),
      floor: Type.Number({ minimum: 0, maximum: 1, default: 0.5 }),
    },
    { additionalProperties: false, description: 'dust builds up: DC power falls by percentPerDay for each day since it started, down to floor' },
  ),
  Type.Object(
    {
      kind: Type.Literal('shading'),
      fromAzimuthDeg: Type.Number({ minimum: 0, maximum: 360, default: 60 }),
      toAzimuthDeg: Type.Number({ minimum: 0, maximum: 360, default: 120 }),
      factor: Type.Number({ minimum: 0, maximum: 1, default: 0.4 }),
    },
    { additionalProperties: false, description: 'an obstacle shades the array while the sun is in this azimuth sector (60-120: a tree to the east, mornings): power x factor' },
  ),
  Type.Object(
    { kind: Type.Literal('meter_drift'), percentPerDay: Type.Number({ minimum: -50, maximum: 50, default: 0.5 }) },
    { additionalProperties: false, description: 'a meter counts export high (negative: low) by percentPerDay more for each day since it started' },
  ),
  Type.Object(
    {
      kind: Type.Literal('not_implemented'),
      fields: Type.Optional(Type.Array(Type.String())),
      points: Type.Optional(Type.Array(Type.String())),
    },
    { additionalProperties: false, description: 'the given points (by name or contract field) read as not implemented' },
  ),
]);
export type Fault = Static<typeof Fault>;
export type FaultKind = Fault['kind'];
export const LASTING_FAULTS = ['silent', 'slow', 'exception', 'trip', 'stuck', 'not_implemented', 'string_failure', 'soiling', 'shading', 'meter_drift'] as const;
/** Faults that change what an inverter's array makes, and what a meter counts. */
export const INVERTER_ONLY_FAULTS = ['string_failure', 'soiling', 'shading'] as const;
export const METER_ONLY_FAULTS = ['meter_drift'] as const;
export type LastingFault = Extract<Fault, { kind: (typeof LASTING_FAULTS)[number] }>;
export const isLasting = (f: Fault): f is LastingFault => (LASTING_FAULTS as readonly string[]).includes(f.kind);

/** A fault in the config: when it starts (ISO time or seconds after the sim start) and how long it lasts. */
export const ScheduledFault = Type.Object(
  {
    fault: Fault,
    at: Type.Union([Type.String(), Type.Number({ minimum: 0 })], { description: 'ISO time, or sim seconds after start' }),
    durationS: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
  },
  { additionalProperties: false },
);
export type ScheduledFault = Static<typeof ScheduledFault>;

const VARIANTS = new Map(Fault.anyOf.map((v) => [v.properties.kind.const as string, v]));
export const FAULT_KINDS = [...VARIANTS.keys()];

/**
 * Problems of a fault object, precise per kind (a union alone only says
 * "Expected union value"): unknown kind, or the kind's own field errors.
 */
export function faultProblems(raw: unknown): string[] {
  const kind = (raw as { kind?: unknown } | null)?.kind;
  const variant = typeof kind === 'string' ? VARIANTS.get(kind) : undefined;
  if (!variant) return [`/kind: must be one of ${FAULT_KINDS.join(', ')}, got ${JSON.stringify(kind)}`];
  return validator(variant).problems(Value.Default(variant, structuredClone(raw)));
}

/** A fault with its defaults filled, or a SunshareError (HTTP 400) naming every problem. */
export function parseFault(raw: unknown): Fault {
  const problems = faultProblems(raw);
  if (problems.length > 0) throw new SunshareError('SIM_FAULT_INVALID', `fault is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'})`, { details: problems });
  return Value.Default(Fault, structuredClone(raw)) as Fault;
}

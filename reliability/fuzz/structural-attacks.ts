import { GatewayStatus, Reading, STATUS_SCHEMA, TelemetryBatch, TELEMETRY_SCHEMA } from '../../common/contract.ts';

/**
 * Structural attacks on every field of a telemetry message: each case is one
 * message (raw bytes, as published) with one field's value (or key) replaced
 * by a hostile structure, plus what must still be stored from it.
 * JSON is assembled as text here, since the attacks include what JSON.stringify
 * cannot write (100,000 levels, duplicate keys, bad UTF-8, NaN).
 */
export interface StructuralCase {
  /** The attack, e.g. `deep_nesting_array`. */
  kind: string;
  /** Where: `envelope.<field>` or `reading.<field>`. */
  field: string;
  payload: Buffer;
  /** Readings in it that are valid and must arrive exactly once. */
  good: Reading[];
}

// every field the contract has: a field added to it is attacked too
export const ENVELOPE_FIELDS: readonly string[] = Object.keys(TelemetryBatch.properties);
export const READING_FIELDS: readonly string[] = Object.keys(Reading.properties);
export const STATUS_FIELDS: readonly string[] = [...Object.keys(GatewayStatus.properties), 'spool.bytes'];

export const NESTING_DEPTH = 100_000;
export const HUGE_ARRAY_ITEMS = 200_000;
export const MB_STRING_CHARS = 1_048_576;

const b = (s: string) => Buffer.from(s, 'utf8');
const MB = 'x'.repeat(MB_STRING_CHARS);

/** A hostile value as JSON text or raw bytes; `parses` says whether JSON.parse accepts it. */
interface Attack {
  kind: string;
  value: Buffer;
  parses: boolean;
}

const ATTACKS: Attack[] = [
  { kind: 'deep_nesting_array', value: b(`${'['.repeat(NESTING_DEPTH)}${']'.repeat(NESTING_DEPTH)}`), parses: true },
  { kind: 'deep_nesting_object', value: b(`${'{"a":'.repeat(NESTING_DEPTH)}1${'}'.repeat(NESTING_DEPTH)}`), parses: true },
  { kind: 'huge_array', value: b(`[${Array.from({ length: HUGE_ARRAY_ITEMS }, (_, i) => i % 10).join(',')}]`), parses: true },
  { kind: 'proto_key_value', value: b('{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}'), parses: true },
  { kind: 'invalid_utf8', value: Buffer.concat([b('"inv'), Buffer.from([0xc3, 0x28, 0xff, 0xfe, 0xed, 0xa0, 0x80]), b('"')]), parses: false },
  { kind: 'lone_surrogate', value: b('"inv\\ud800x"'), parses: true },
  { kind: 'lone_surrogate_low', value: b('"\\udfff"'), parses: true },
  { kind: 'number_2_53_plus_1', value: b('9007199254740993'), parses: true },
  { kind: 'number_2_64', value: b('18446744073709551616'), parses: true },
  { kind: 'number_1e400', value: b('1e400'), parses: true },
  { kind: 'number_minus_1e400', value: b('-1e400'), parses: true },
  { kind: 'number_NaN', value: b('NaN'), parses: false },
  { kind: 'number_Infinity', value: b('Infinity'), parses: false },
  { kind: 'number_minus_Infinity', value: b('-Infinity'), parses: false },
  { kind: 'string_1mb', value: b(JSON.stringify(MB)), parses: true },
];

export interface CaseContext {
  site: string;
  gateway: string;
  devices: string[];
  seq: number;
  sentAt: number;
  /** A fresh, unique reading timestamp. */
  nextTs: () => number;
}

const reading = (c: CaseContext, device: string): Reading => ({ device, kind: 'inverter', ts: c.nextTs(), ac_power_w: 1500, ac_energy_wh: 2_000_000 + (c.nextTs() % 100_000), state: 'mppt' });

type Entries = [key: string, raw: Buffer][];
const entries = (o: object): Entries => Object.entries(o).map(([k, v]) => [k, b(JSON.stringify(v))]);
const objectText = (e: Entries): Buffer => Buffer.concat([b('{'), ...e.flatMap(([k, v], i) => [b(`${i ? ',' : ''}${JSON.stringify(k)}:`), v]), b('}')]);

function replaceIn(e: Entries, key: string, value: Buffer): Entries {
  return e.some(([k]) => k === key) ? e.map(([k, v]) => [k, k === key ? value : v]) : [...e, [key, value]];
}

function message(c: CaseContext, readingsRaw: Buffer, envelope: (e: Entries) => Entries = (e) => e): Buffer {
  const base: Entries = [
    ['schema', b(JSON.stringify(TELEMETRY_SCHEMA))],
    ['site', b(JSON.stringify(c.site))],
    ['gateway', b(JSON.stringify(c.gateway))],
    ['seq', b(String(c.seq))],
    ['sentAt', b(String(c.sentAt))],
    ['readings', readingsRaw],
  ];
  return objectText(envelope(base));
}

const arrayText = (items: Buffer[]) => Buffer.concat([b('['), ...items.flatMap((x, i) => (i ? [b(','), x] : [x])), b(']')]);

/**
 * Every attack on every field, plus key attacks (`__proto__` and `constructor` as keys, duplicate keys
 * with the hostile value first or last) on every field. A reading-field attack sits in a batch with a
 * good companion reading, which must be stored unless the attack makes the whole payload unreadable.
 */
export function structuralCases(next: () => CaseContext): StructuralCase[] {
  const out: StructuralCase[] = [];
  for (const where of ['envelope', 'reading'] as const) {
    const fields: readonly string[] = where === 'envelope' ? ENVELOPE_FIELDS : READING_FIELDS;
    for (const field of fields) {
      const hostile = (kind: string, build: (c: CaseContext) => { payload: Buffer; good: Reading[] }) => {
        const c = next();
        out.push({ kind, field: `${where}.${field}`, ...build(c) });
      };
      for (const a of ATTACKS) {
        hostile(a.kind, (c) => {
          if (where === 'envelope') return { payload: message(c, arrayText([b(JSON.stringify(reading(c, c.devices[0]!)))]), (e) => replaceIn(e, field, a.value)), good: [] };
          const companion = reading(c, c.devices[1]!);
          const attacked = objectText(replaceIn(entries(reading(c, c.devices[0]!)), field, a.value));
          return { payload: message(c, arrayText([attacked, b(JSON.stringify(companion))])), good: a.parses ? [companion] : [] };
        });
      }
      // Duplicate keys: JSON.parse keeps the last; hostile last is refused, valid last is accepted as valid.
      for (const order of ['hostile_last', 'valid_last'] as const) {
        hostile(`duplicate_key_${order}`, (c) => {
          const bad = b(JSON.stringify(MB.slice(0, 70)));
          if (where === 'envelope') {
            const r = reading(c, c.devices[0]!);
            const payload = message(c, arrayText([b(JSON.stringify(r))]), (e) => {
              const valid = e.find(([k]) => k === field)!;
              return order === 'hostile_last' ? [...e, [field, bad]] : [[field, bad], ...e.filter(([k]) => k !== field), valid];
            });
            return { payload, good: order === 'valid_last' ? [r] : [] };
          }
          const r = reading(c, c.devices[0]!);
          const companion = reading(c, c.devices[1]!);
          const e = entries(r);
          const valid = e.find(([k]) => k === field);
          const attacked = order === 'hostile_last' ? [...e, [field, bad] as [string, Buffer]] : [[field, bad] as [string, Buffer], ...e.filter(([k]) => k !== field), ...(valid ? [valid] : [])];
          // valid_last on an optional field the reading does not have leaves the hostile value alone: refused.
          const good = order === 'valid_last' && valid ? [r, companion] : [companion];
          return { payload: message(c, arrayText([objectText(attacked), b(JSON.stringify(companion))])), good };
        });
      }
    }
    // `__proto__` and `constructor` as keys of the envelope or of a reading: unknown fields, refused.
    for (const key of ['__proto__', 'constructor']) {
      const c = next();
      const r = reading(c, c.devices[0]!);
      const companion = reading(c, c.devices[1]!);
      const extra = b('{"polluted":true,"toString":1}');
      out.push(
        where === 'envelope'
          ? { kind: `proto_key_${key}`, field: `envelope.${key}`, payload: message(c, arrayText([b(JSON.stringify(r))]), (e) => [...e, [key, extra]]), good: [] }
          : { kind: `proto_key_${key}`, field: `reading.${key}`, payload: message(c, arrayText([objectText([...entries(r), [key, extra]]), b(JSON.stringify(companion))])), good: [companion] },
      );
    }
  }
  return out;
}

/**
 * A message of exactly `bytes` bytes: a valid batch whose one reading carries a hostile field padded
 * to the size, beside a good companion that must be stored.
 */
export function sizedCase(c: CaseContext, bytes: number): StructuralCase {
  const companion = reading(c, c.devices[1]!);
  const attacked = entries(reading(c, c.devices[0]!));
  const build = (pad: number) => message(c, arrayText([objectText([...attacked, ['padding', b(JSON.stringify('p'.repeat(pad)))]]), b(JSON.stringify(companion))]));
  const overhead = build(0).length;
  const payload = build(bytes - overhead);
  if (payload.length !== bytes) throw new RangeError(`sized case is ${payload.length} bytes, not ${bytes}`);
  return { kind: 'at_size_limit', field: 'reading.padding', payload, good: [companion] };
}

/**
 * The same attacks on every field of a gateway status (and on `spool.bytes`, one level down), and
 * `__proto__` / `constructor` as keys. A status carries no readings: nothing in it must be stored,
 * and the valid-last duplicates are valid statuses.
 */
export function statusCases(next: () => CaseContext): { kind: string; field: string; payload: Buffer }[] {
  const out: { kind: string; field: string; payload: Buffer }[] = [];
  const base = (c: CaseContext): Entries => [
    ['schema', b(JSON.stringify(STATUS_SCHEMA))],
    ['site', b(JSON.stringify(c.site))],
    ['gateway', b(JSON.stringify(c.gateway))],
    ['online', b('true')],
    ['ts', b(String(c.sentAt))],
    ['version', b('"1.0.0"')],
    ['spool', b('{"bytes":0,"batches":0,"evictedBatches":0}')],
  ];
  const at = (e: Entries, field: string, value: Buffer): Entries =>
    field === 'spool.bytes' ? replaceIn(e, 'spool', objectText([['bytes', value], ['batches', b('0')], ['evictedBatches', b('0')]])) : replaceIn(e, field, value);
  for (const field of STATUS_FIELDS) {
    for (const a of ATTACKS) out.push({ kind: a.kind, field: `status.${field}`, payload: objectText(at(base(next()), field, a.value)) });
    if (field === 'spool.bytes') continue;
    const bad = b(JSON.stringify(MB.slice(0, 70)));
    const e = base(next());
    const valid = e.find(([k]) => k === field);
    out.push({ kind: 'duplicate_key_hostile_last', field: `status.${field}`, payload: objectText([...e, [field, bad]]) });
    out.push({ kind: 'duplicate_key_valid_last', field: `status.${field}`, payload: objectText([[field, bad], ...e.filter(([k]) => k !== field), ...(valid ? [valid] : [])]) });
  }
  for (const key of ['__proto__', 'constructor']) out.push({ kind: `proto_key_${key}`, field: `status.${key}`, payload: objectText([...base(next()), [key, b('{"polluted":true}')]]) });
  return out;
}

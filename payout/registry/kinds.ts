import { DEFAULT_TIME_ZONE, isDate, isValidTimeZone } from '../../common/index.ts';
import type { Database } from '../../common/ledger/index.ts';
import { ID_PATTERN } from '../../common/contract.ts';
import { parseKwh, parseRate } from '../money/revenue.ts';

/**
 * The registry's import/export formats: one sheet (XLSX) or file (CSV, named
 * after the kind, e.g. households.csv) per kind, one column per field.
 * Each field parses its text cell or says what is wrong with it.
 */
export type Kind = 'sites' | 'devices' | 'households' | 'allocations' | 'tariffs' | 'policies';
export const KINDS: readonly Kind[] = ['sites', 'devices', 'households', 'allocations', 'tariffs', 'policies'];

type Parsed = { ok: true; value: unknown } | { ok: false; error: string };
export interface Field { column: string; required: boolean; parse: (text: string) => Parsed; format?: (v: unknown) => string }

const ok = (value: unknown): Parsed => ({ ok: true, value });
const bad = (error: string): Parsed => ({ ok: false, error });

const text = (max = 200): Field['parse'] => (t) => (t.length <= max ? ok(t) : bad(`longer than ${max} characters`));
// the telemetry contract's ids: a site or device id the gateways cannot send (e.g. "__proto__") is refused here, not after
const ID = new RegExp(ID_PATTERN);
const id: Field['parse'] = (t) => (ID.test(t) ? ok(t) : bad(`"${t}" is not an id (a letter or digit, then letters, digits, _ . -, at most 64)`));
const date: Field['parse'] = (t) => (isDate(t) ? ok(t) : bad(`"${t}" is not a date YYYY-MM-DD`));
const kw: Field['parse'] = (t) => {
  const w = parseKwh(t); // kW with up to 3 decimals -> W
  return w !== undefined && w > 0 ? ok(w) : bad(`"${t}" is not a positive number of kW (at most 3 decimals)`);
};
const rate: Field['parse'] = (t) => {
  const r = parseRate(t);
  return r !== undefined ? ok(r) : bad(`"${t}" is not a tariff in yuan/kWh (at most 5 decimals)`);
};
const flag: Field['parse'] = (t) => {
  const v = t.toLowerCase();
  if (['1', 'yes', 'y', 'true', '是'].includes(v)) return ok(1);
  if (['', '0', 'no', 'n', 'false', '否'].includes(v)) return ok(0);
  return bad(`"${t}" is not yes/no`);
};
const timeZone: Field['parse'] = (t) => (isValidTimeZone(t) ? ok(t) : bad(`"${t}" is not an IANA time zone`));
const yuan: Field['parse'] = (t) => {
  const m = /^(\d{1,9})(?:\.(\d{1,2}))?$/.exec(t);
  return m ? ok(Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'))) : bad(`"${t}" is not an amount in yuan (at most 2 decimals)`);
};
const permille: Field['parse'] = (t) => (/^\d{1,4}$/.test(t) && Number(t) <= 1000 ? ok(Number(t)) : bad(`"${t}" is not a per-mille 0-1000`));
const oneOf = (...values: string[]): Field['parse'] => (t) => (values.includes(t) ? ok(t) : bad(`"${t}" is not one of ${values.join(', ')}`));

const kwOut = (v: unknown) => (Number(v) / 1000).toString();
const rateOut = (v: unknown) => (Number(v) / 100_000).toFixed(5).replace(/0{1,3}$/, '');
const yuanOut = (v: unknown) => (Number(v) / 100).toFixed(2);

/** The ledger table behind each kind (payout/registry is the only writer of these tables). */
export const TABLES = {
  sites: 'sites',
  devices: 'devices',
  households: 'households',
  allocations: 'allocations',
  tariffs: 'tariffs',
  policies: 'site_policies',
} as const satisfies Record<Kind, keyof Database>;
export type TableOf<K extends Kind> = (typeof TABLES)[K];
/** A column of the table behind a kind: field keys are checked against the ledger schema. */
export type ColumnOf<K extends Kind> = keyof Database[TableOf<K>] & string;

/** Field keys are column names: `satisfies` checks them against the ledger schema. */
export const FIELDS: Record<Kind, Record<string, Field>> = {
  sites: {
    id: { column: 'id', required: true, parse: id },
    name: { column: 'name', required: true, parse: text() },
    town: { column: 'town', required: false, parse: text() },
    village: { column: 'village', required: false, parse: text() },
    capacity_w: { column: 'capacity_kw', required: true, parse: kw, format: kwOut },
    time_zone: { column: 'time_zone', required: false, parse: timeZone },
    commissioned_on: { column: 'commissioned_on', required: false, parse: date },
  },
  devices: {
    site_id: { column: 'site_id', required: true, parse: id },
    id: { column: 'id', required: true, parse: id },
    kind: { column: 'kind', required: true, parse: oneOf('inverter', 'meter') },
    revenue_meter: { column: 'revenue_meter', required: false, parse: flag },
    rated_power_w: { column: 'rated_power_kw', required: false, parse: kw, format: kwOut },
    serial: { column: 'serial', required: false, parse: text(64) },
  },
  households: {
    id: { column: 'id', required: true, parse: id },
    name: { column: 'name', required: true, parse: text() },
    town: { column: 'town', required: false, parse: text() },
    village: { column: 'village', required: false, parse: text() },
    id_card: { column: 'id_card', required: false, parse: (t) => (/^(\d{15}|\d{17}[\dXx])?$/.test(t) ? ok(t.toUpperCase()) : bad(`"${t}" is not a 15 or 18 character ID card number`)) },
    bank_account: { column: 'bank_account', required: false, parse: (t) => (/^\d{0,30}$/.test(t.replace(/\s/g, '')) ? ok(t.replace(/\s/g, '')) : bad('is not a bank account number (digits)')) },
  },
  allocations: {
    id: { column: 'id', required: true, parse: id },
    household_id: { column: 'household_id', required: true, parse: id },
    site_id: { column: 'site_id', required: true, parse: id },
    share_w: { column: 'share_kw', required: true, parse: kw, format: kwOut },
    valid_from: { column: 'valid_from', required: true, parse: date },
    valid_to: { column: 'valid_to', required: false, parse: date },
    reason: { column: 'reason', required: false, parse: text() },
  },
  tariffs: {
    // empty: the tariff's old key, site_id_valid_from (defaultTariffId); give it to correct a start date
    id: { column: 'id', required: false, parse: (t) => (/^[\w.-]{1,80}$/.test(t) ? ok(t) : bad(`"${t}" is not a tariff id (letters, digits, _ . -, at most 80)`)) },
    site_id: { column: 'site_id', required: true, parse: id },
    valid_from: { column: 'valid_from', required: true, parse: date },
    valid_to: { column: 'valid_to', required: false, parse: date },
    grid_rate: { column: 'grid_yuan_per_kwh', required: true, parse: rate, format: rateOut },
    subsidy_rate: { column: 'subsidy_yuan_per_kwh', required: true, parse: rate, format: rateOut },
  },
  policies: {
    site_id: { column: 'site_id', required: true, parse: id },
    annual_target_fen: { column: 'annual_target_yuan', required: false, parse: yuan, format: yuanOut },
    guaranteed_minimum: { column: 'guaranteed_minimum', required: false, parse: flag },
    maintenance_permille: { column: 'maintenance_permille', required: false, parse: permille },
  },
} satisfies { [K in Kind]: Partial<Record<ColumnOf<K>, Field>> };

/** Columns that make a row unique, per kind. */
export const KEYS: Record<Kind, readonly string[]> = {
  sites: ['id'],
  devices: ['site_id', 'id'],
  households: ['id'],
  allocations: ['id'],
  tariffs: ['id'],
  policies: ['site_id'],
} satisfies { [K in Kind]: readonly ColumnOf<K>[] };

/** Defaults for optional columns left empty. */
export const DEFAULTS: Partial<Record<string, unknown>> = {
  'sites.time_zone': DEFAULT_TIME_ZONE,
  'sites.commissioned_on': null,
  'sites.town': '',
  'sites.village': '',
  'devices.revenue_meter': 0,
  'devices.rated_power_w': null,
  'devices.serial': null,
  'allocations.valid_to': null,
  'tariffs.valid_to': null,
  'policies.annual_target_fen': 300_000,
  'policies.guaranteed_minimum': 0,
  'policies.maintenance_permille': 0,
};

export function kindOf(sheetName: string): Kind | undefined {
  const n = sheetName.toLowerCase();
  return KINDS.find((k) => n === k || n.endsWith(`-${k}`) || n.endsWith(`_${k}`) || n.startsWith(`${k}-`) || n.startsWith(`${k}_`));
}

/** The id of a tariff given without one: its site and start day (what keyed tariffs before they had ids). */
export const defaultTariffId = (site: unknown, from: unknown): string => `${String(site)}_${String(from)}`;

/** A tariff row without an id gets its default one; other rows are left as they are. */
export function withTariffId<R extends Record<string, unknown>>(kind: Kind, row: R): R {
  if (kind !== 'tariffs' || (typeof row.id === 'string' && row.id !== '')) return row;
  return { ...row, id: defaultTariffId(row.site_id, row.valid_from) };
}

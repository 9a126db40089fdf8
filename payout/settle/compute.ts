import { createHash } from 'node:crypto';
import { siteDayRevenue } from '../money/revenue.ts';
import { splitLargestRemainder } from '../money/split.ts';
import type { AllocationRow, BatchInputs, DeviceRow, SiteRow } from './inputs.ts';
import { siteDay } from './inputs.ts';

/** One site-day's settlement as computed from its inputs (before comparing with what is posted). */
export interface ComputedLine { allocation_id: string; household_id: string; share_w: number; grid_fen: number; subsidy_fen: number }
export interface Computed {
  site_id: string;
  day: string;
  inputs_hash: string;
  energy_wh: number;
  energy_source: 'grid_read' | 'revenue_meter' | 'inverters' | 'none';
  flags: string[];
  capacity_w: number;
  grid_rate: number;
  subsidy_rate: number;
  grid_fen: number;
  subsidy_fen: number;
  revenue_fen: number;
  lines: ComputedLine[];
}
export type Outcome = { ok: true; value: Computed } | { ok: true; unchanged: true } | { ok: false; problem: string };

type Dated = { valid_from: string; valid_to: string | null };
const validOn = (day: string) => (r: Dated) => r.valid_from <= day && (r.valid_to === null || r.valid_to >= day);

/** Per list of a batch: the days on which every row is valid (latest start, earliest end), so those days need no filtering. */
const allValid = new WeakMap<readonly Dated[], { from: string; to: string }>();
function validRows<T extends Dated>(rows: readonly T[], day: string): readonly T[] {
  let span = allValid.get(rows);
  if (!span) {
    span = { from: '', to: '9999-12-31' };
    for (const r of rows) {
      if (r.valid_from > span.from) span.from = r.valid_from;
      if (r.valid_to !== null && r.valid_to < span.to) span.to = r.valid_to;
    }
    allValid.set(rows, span);
  }
  return day >= span.from && day <= span.to ? rows : rows.filter(validOn(day));
}
const NONE: never[] = [];

/** the revenue meters of a site's device list, worked out once per batch */
const meterIds = new WeakMap<DeviceRow[], Set<string>>();
const NO_DEVICES: DeviceRow[] = [];

function siteEnergy(inputs: BatchInputs, site: SiteRow, day: string): Pick<Computed, 'energy_wh' | 'energy_source' | 'flags'> {
  const key = siteDay(site.id, day);
  const grid = inputs.gridReads.get(key);
  if (grid !== undefined) return { energy_wh: grid, energy_source: 'grid_read', flags: [] };
  const rows = inputs.energy.get(key) ?? [];
  const devices = inputs.devices.get(site.id) ?? NO_DEVICES;
  let meters = meterIds.get(devices);
  if (!meters) meterIds.set(devices, (meters = new Set(devices.filter((d) => d.revenue_meter === 1).map((d) => d.id))));
  const flags = new Set<string>();
  const flagsOf = (r: { method: string; flags: string }) => {
    if (r.method !== 'delta') flags.add(r.method);
    if (r.flags === '') return;
    for (const f of r.flags.split(',')) if (f.trim()) flags.add(f.trim());
  };
  let meterWh = 0;
  let meterRows = 0;
  let inverterWh = 0;
  let inverterRows = 0;
  for (const r of rows) {
    if (r.counter === 'export_energy_wh' && meters.has(r.device_id)) {
      meterWh += r.energy_wh;
      meterRows++;
    } else if (r.counter === 'ac_energy_wh') {
      inverterWh += r.energy_wh;
      inverterRows++;
    }
  }
  if (meterRows > 0) {
    for (const r of rows) if (r.counter === 'export_energy_wh' && meters.has(r.device_id)) flagsOf(r);
    return { energy_wh: meterWh, energy_source: 'revenue_meter', flags: [...flags].sort() };
  }
  if (meters.size > 0) flags.add('meter_missing');
  if (inverterRows === 0) return { energy_wh: 0, energy_source: 'none', flags: [...flags, 'no_data'].sort() };
  const reporting = new Set<string>();
  for (const r of rows) {
    if (r.counter !== 'ac_energy_wh') continue;
    flagsOf(r);
    reporting.add(r.device_id);
  }
  for (const d of devices) {
    if (d.kind === 'inverter' && !reporting.has(d.id)) {
      flags.add('device_missing');
      break;
    }
  }
  return { energy_wh: inverterWh, energy_source: 'inverters', flags: [...flags].sort() };
}

/**
 * Splits the day's revenue: the total by largest remainder over the
 * allocations (by id) and the company (last, holding unallocated capacity);
 * the grid part likewise; each party's subsidy part is its total minus its
 * grid part, so every column sums exactly.
 */
export function splitRevenue(allocs: readonly Pick<AllocationRow, 'id' | 'household_id' | 'share_w'>[], capacity_w: number, grid_fen: number, revenue_fen: number, gridOnly = false): ComputedLine[] {
  const allocated = allocs.reduce((a, r) => a + r.share_w, 0);
  const weights = [...allocs.map((a) => a.share_w), capacity_w - allocated];
  const grids = splitLargestRemainder(grid_fen, weights, capacity_w);
  // cumulative rounding sets the totals itself: then each line carries its grid part only
  const totals = gridOnly ? grids : splitLargestRemainder(revenue_fen, weights, capacity_w);
  const parties = [...allocs.map((a) => ({ allocation_id: a.id, household_id: a.household_id, share_w: a.share_w })), { allocation_id: '', household_id: '', share_w: capacity_w - allocated }];
  return parties.map((p, i) => ({ ...p, grid_fen: grids[i]!, subsidy_fen: totals[i]! - grids[i]! }));
}

/**
 * `postedHash`: the inputs hash of the latest posted version; when the inputs still hash the same, the split is skipped.
 * `gridOnly`: the lines' totals are left to cumulative rounding (each line's subsidy part is then 0 here).
 */
export function computeSiteDay(inputs: BatchInputs, site: SiteRow, day: string, postedHash?: string, gridOnly = false): Outcome {
  const tariff = validRows(inputs.tariffs.get(site.id) ?? NONE, day);
  if (tariff.length !== 1) return { ok: false, problem: `site ${site.id} ${day}: ${tariff.length === 0 ? 'no tariff' : 'more than one tariff'} valid that day` };
  const { grid_rate, subsidy_rate } = tariff[0]!;
  const allocs = validRows(inputs.allocations.get(site.id) ?? NONE, day);
  const allocated = allocs.reduce((a, r) => a + r.share_w, 0);
  if (allocated > site.capacity_w) return { ok: false, problem: `site ${site.id} ${day}: allocations total ${allocated} W, over the capacity ${site.capacity_w} W` };
  const energy = siteEnergy(inputs, site, day);
  const hash = createHash('sha1').update(inputsText(site.capacity_w, energy, grid_rate, subsidy_rate, allocs)).digest('hex');
  if (hash === postedHash) return { ok: true, unchanged: true };
  const revenue = siteDayRevenue(energy.energy_wh, grid_rate, subsidy_rate);
  return {
    ok: true,
    value: {
      site_id: site.id,
      day,
      inputs_hash: hash,
      ...energy,
      capacity_w: site.capacity_w,
      grid_rate,
      subsidy_rate,
      grid_fen: revenue.gridFen,
      subsidy_fen: revenue.subsidyFen,
      revenue_fen: revenue.totalFen,
      lines: splitRevenue(allocs, site.capacity_w, revenue.gridFen, revenue.totalFen, gridOnly),
    },
  };
}

/** JSON of a string, as JSON.stringify writes it; built directly when it needs no escape (ids nearly always). */
function quote(text: string): string {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return JSON.stringify(text);
  }
  return `"${text}"`;
}

/**
 * What the inputs hash is taken over: exactly the text of
 * JSON.stringify([capacity, energy, grid rate, subsidy rate, [[id, household, share], ...]])
 * (posted hashes were taken over that), written without the intermediate arrays.
 */
export function inputsText(capacity: number, energy: Pick<Computed, 'energy_wh' | 'energy_source' | 'flags'>, grid: number, subsidy: number, allocs: readonly Pick<AllocationRow, 'id' | 'household_id' | 'share_w'>[]): string {
  let out = `[${capacity},{"energy_wh":${energy.energy_wh},"energy_source":"${energy.energy_source}","flags":[${energy.flags.map(quote).join(',')}]},${grid},${subsidy},[`;
  for (let i = 0; i < allocs.length; i++) {
    const a = allocs[i]!;
    out += `${i === 0 ? '' : ','}[${quote(a.id)},${quote(a.household_id)},${a.share_w}]`;
  }
  return `${out}]]`;
}

import type { Field, Identity, SimQuantity, SimSource } from '../../common/devices/index.ts';
import { TARIFF_ENERGY_FIELDS } from '../../common/contract.ts';
import type { Snapshot } from './snapshot.ts';

/**
 * What each point of a map holds, from a device snapshot, in SI units
 * (W, Wh, V, A, Hz, C; power factor in percent for SunSpec, as a ratio for
 * vendors). The maps say where a value goes and which quantity it shows
 * (`field`, `identity`, or `sim`); this says what those quantities are now.
 * SunSpec points are also known by their standard names (SUNSPEC below).
 * Anything else reads as not implemented.
 */
type Value = number | string | undefined;
type Getter = (s: Snapshot, block: number) => Value;

const SQRT3 = Math.sqrt(3);
const phaseA = (s: Snapshot, p: 0 | 1 | 2) => (s.acW === 0 ? 0 : Math.abs(s.acW) / 3 / s.phaseV[p]);
const lineV = (s: Snapshot, p: 0 | 1 | 2) => ((s.phaseV[p] + s.phaseV[(p + 1) % 3]!) / 2) * SQRT3;
const totalA = (s: Snapshot) => phaseA(s, 0) + phaseA(s, 1) + phaseA(s, 2);
const meanV = (s: Snapshot) => (s.phaseV[0] + s.phaseV[1] + s.phaseV[2]) / 3;
/** Seconds since 2000-01-01 UTC (the SunSpec timestamp epoch). */
const sunspecTime = (s: Snapshot) => Math.floor((s.t - Date.UTC(2000, 0, 1)) / 1000) % 2 ** 32;

const BY_FIELD: Record<Field, (s: Snapshot) => Value> = {
  ac_power_w: (s) => s.acW,
  ac_energy_wh: (s) => s.energyWh,
  dc_power_w: (s) => s.dcW,
  ac_voltage_v: (s) => s.phaseV[0],
  ac_current_a: (s) => phaseA(s, 0),
  frequency_hz: (s) => s.hz,
  temperature_c: (s) => s.cabinetC,
  poa_irradiance_w_m2: (s) => s.poaWm2,
  module_temperature_c: (s) => s.moduleC,
  state: () => undefined,
  alarms: () => undefined,
  export_energy_wh: (s) => s.exportWh,
  import_energy_wh: (s) => s.importWh,
  // per-tariff counters: only the DL/T 645 meter keeps them (its own split, firmware-sim/dlt645/meter.ts)
  ...(Object.fromEntries(TARIFF_ENERGY_FIELDS.map((f) => [f, () => undefined])) as Record<(typeof TARIFF_ENERGY_FIELDS)[number], () => Value>),
};

const BY_IDENTITY: Record<Identity, (s: Snapshot) => Value> = {
  manufacturer: (s) => s.manufacturer,
  model: (s) => s.model,
  serial: (s) => s.serial,
  version: (s) => s.version,
  rated_power: (s) => s.ratedW,
};

const mpptA = (s: Snapshot) => (s.dcW === 0 ? 0 : s.dcW / s.mppts / s.dcV);

/** The physics quantities a map's `sim: { quantity }` can name (common/devices/schema.ts SIM_QUANTITIES). */
const BY_QUANTITY: Record<SimQuantity, (s: Snapshot) => Value> = {
  phase_b_voltage_v: (s) => s.phaseV[1],
  phase_c_voltage_v: (s) => s.phaseV[2],
  phase_b_current_a: (s) => phaseA(s, 1),
  phase_c_current_a: (s) => phaseA(s, 2),
  total_current_a: (s) => totalA(s),
  mppt_voltage_v: (s) => s.dcV,
  mppt_current_a: (s) => mpptA(s),
  mppts: (s) => s.mppts,
  strings: (s) => s.mppts * 2,
  max_power_w: (s) => s.ratedW * 1.1,
  reactive_power_var: () => 0,
  power_factor: () => 1,
  efficiency_pct: (s) => (s.dcW > 0 ? (s.acW / s.dcW) * 100 : 0),
  daily_energy_wh: (s) => s.dailyWh,
  running_hours: (s) => Math.floor(s.energyWh / Math.max(1, s.ratedW)),
};

/** A point's `sim` source: a quantity, or a constant (another while in fault). */
function simValue(sim: SimSource, s: Snapshot): Value {
  if (sim.quantity) return BY_QUANTITY[sim.quantity](s);
  return s.state === 'fault' && sim.faultValue !== undefined ? sim.faultValue : sim.value;
}

const SUNSPEC: Record<string, Getter> = {
  // model 1
  Mn: (s) => s.manufacturer,
  Md: (s) => s.model,
  Opt: () => undefined,
  Vr: (s) => s.version,
  SN: (s) => s.serial,
  DA: (s) => s.unitId,
  // inverters 10x/11x and meters 20x
  A: (s) => totalA(s),
  AphA: (s) => phaseA(s, 0),
  AphB: (s) => phaseA(s, 1),
  AphC: (s) => phaseA(s, 2),
  PPVphAB: (s) => lineV(s, 0),
  PPVphBC: (s) => lineV(s, 1),
  PPVphCA: (s) => lineV(s, 2),
  PhVphAB: (s) => lineV(s, 0),
  PhVphBC: (s) => lineV(s, 1),
  PhVphCA: (s) => lineV(s, 2),
  PhVphA: (s) => s.phaseV[0],
  PhVphB: (s) => s.phaseV[1],
  PhVphC: (s) => s.phaseV[2],
  PhV: (s) => meanV(s),
  PPV: (s) => meanV(s) * SQRT3,
  W: (s) => s.acW,
  WphA: (s) => s.acW / 3,
  WphB: (s) => s.acW / 3,
  WphC: (s) => s.acW / 3,
  Hz: (s) => s.hz,
  VA: (s) => Math.abs(s.acW),
  VAr: () => 0,
  VAR: () => 0,
  PF: () => 100,
  WH: (s) => s.energyWh,
  DCA: (s) => (s.dcW === 0 ? 0 : s.dcW / s.dcV),
  DCV: (s) => s.dcV,
  DCW: (s) => s.dcW,
  TmpCab: (s) => s.cabinetC,
  TmpSnk: (s) => s.cabinetC + (s.acW / s.ratedW) * 8,
  Evt2: () => 0,
  TotWhExp: (s) => s.exportWh,
  TotWhImp: (s) => s.importWh,
  Evt: () => 0,
  // model 160 (fixed block, then per module; `block` is the module index)
  N: (s) => s.mppts,
  'module.ID': (_s, i) => i + 1,
  'module.IDStr': (_s, i) => `PV${i + 1}`,
  'module.DCA': (s) => (s.dcW === 0 ? 0 : s.dcW / s.mppts / s.dcV),
  'module.DCV': (s) => s.dcV,
  'module.DCW': (s) => s.dcW / s.mppts,
  'module.DCWH': (s) => s.dcEnergyWh / s.mppts,
  'module.Tms': (s) => sunspecTime(s),
  'module.DCEvt': () => 0,
  // model 302 (one block per irradiance sensor; the simulated sky has no separate diffuse or other sensor)
  'irradiance.GHI': (s) => s.ghiWm2,
  'irradiance.POAI': (s) => s.poaWm2,
};


/** The SI value of a SunSpec point: by its `sim`, else by its standard name (`prefix` = the repeating block's name for block points). */
export function sunspecValue(p: { name: string; sim?: SimSource }, s: Snapshot, block = 0, prefix?: string): Value {
  if (p.sim) return simValue(p.sim, s);
  const get = SUNSPEC[prefix ? `${prefix}.${p.name}` : p.name];
  return get ? get(s, block) : undefined;
}

/** The SI value of a vendor point: by its `sim`, else its field, else its identity. */
export function vendorValue(p: { field?: Field; identity?: Identity; sim?: SimSource }, s: Snapshot): Value {
  if (p.sim) return simValue(p.sim, s);
  if (p.field) return BY_FIELD[p.field](s);
  if (p.identity) return BY_IDENTITY[p.identity](s);
  return undefined;
}

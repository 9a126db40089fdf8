import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Static, TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { parse as parseYaml } from 'yaml';
import { SunshareError } from '../errors.ts';
import { validator } from '../validate.ts';
import { registerCount } from './codec.ts';
import { parseBcdFormat } from './dlt645/bcd.ts';
import { Dlt645Map, SunSpecDevice, SunSpecModel, VendorMap, type SimSource, type SunSpecPoint, type VendorPoint } from './schema.ts';

/** Folder of the shipped maps: common/devices/{sunspec,maps}/. */
export const DEVICES_DIR = dirname(fileURLToPath(import.meta.url));
export const SUNSPEC_DIR = join(DEVICES_DIR, 'sunspec');
export const MAPS_DIR = join(DEVICES_DIR, 'maps');
export const SUNSPEC_DEVICES_DIR = join(DEVICES_DIR, 'sunspec-devices');
/** DL/T 645-2007 meter maps: not Modbus, so not among the register maps. */
export const DLT645_MAPS_DIR = join(DEVICES_DIR, 'dlt645-maps');

const cache = new Map<string, unknown>();

function readYaml(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new SunshareError('DEVICE_MAP_UNREADABLE', `cannot read device map ${file}: ${(err as Error).message}`, { cause: err });
  }
  try {
    return parseYaml(text, { prettyErrors: true });
  } catch (err) {
    throw new SunshareError('DEVICE_MAP_SYNTAX', `device map ${file} is not valid YAML: ${(err as Error).message}`, { cause: err });
  }
}

function parseWith<T extends TSchema>(schema: T, raw: unknown, file: string, semantic: (v: Static<T>) => string[]): Static<T> {
  const value = Value.Default(schema, structuredClone(raw));
  const v = validator(schema);
  const problems = v.problems(value);
  const all = problems.length > 0 ? problems : semantic(value);
  if (all.length > 0) {
    throw new SunshareError('DEVICE_MAP_INVALID', `device map ${file} is invalid (${all.length} problem${all.length === 1 ? '' : 's'})`, {
      details: all,
    });
  }
  return value;
}

/** A point's `sim` gives either a quantity or a value. */
function checkSim(sim: SimSource | undefined, at: string): string[] {
  if (!sim) return [];
  if ((sim.quantity === undefined) === (sim.value === undefined)) return [`${at}/sim: give exactly one of quantity and value`];
  if (sim.faultValue !== undefined && sim.value === undefined) return [`${at}/sim: faultValue goes with value`];
  return [];
}

/** Points must be contiguous, sized for their type, and name existing scale factors. */
function checkSunSpecPoints(points: readonly SunSpecPoint[], where: string, sfNames: Set<string>, length: number): string[] {
  const problems: string[] = [];
  let expected = 0;
  const names = new Set<string>();
  points.forEach((p, i) => {
    const at = `${where}/${i} (${p.name})`;
    if (names.has(p.name)) problems.push(`${at}: duplicate point name`);
    names.add(p.name);
    if (p.offset !== expected) problems.push(`${at}: offset ${p.offset}, expected ${expected} (points must be contiguous)`);
    expected = p.offset + p.size;
    if (p.type !== 'string' && p.type !== 'pad' && registerCount(p.type) !== p.size) {
      problems.push(`${at}: type ${p.type} takes ${registerCount(p.type)} register(s), size says ${p.size}`);
    }
    if (p.sf !== undefined && !sfNames.has(p.sf)) problems.push(`${at}: scale factor ${p.sf} is not a sunssf point of this model`);
    problems.push(...checkSim(p.sim, at));
  });
  if (expected !== length) problems.push(`${where}: points cover ${expected} registers, length says ${length}`);
  return problems;
}

function checkSunSpecModel(m: SunSpecModel): string[] {
  const sfNames = new Set(m.points.filter((p) => p.type === 'sunssf').map((p) => p.name));
  const problems = checkSunSpecPoints(m.points, '/points', sfNames, m.length);
  if (m.repeating) {
    problems.push(...checkSunSpecPoints(m.repeating.points, '/repeating/points', sfNames, m.repeating.blockLength));
    if (m.repeating.countPoint !== undefined && !m.points.some((p) => p.name === m.repeating?.countPoint)) problems.push(`/repeating/countPoint: no point named ${m.repeating.countPoint}`);
  }
  return problems;
}

function checkVendorMap(m: VendorMap): string[] {
  const problems: string[] = [];
  const used = new Map<string, string>();
  m.points.forEach((p, i) => {
    const at = `/points/${i} (${p.name})`;
    if (p.type === 'string' && p.size === undefined) problems.push(`${at}: a string needs size (registers)`);
    problems.push(...checkSim(p.sim, at));
    for (let r = 0; r < vendorPointSize(p); r++) {
      const key = `${p.registerType}:${p.address + r}`;
      const other = used.get(key);
      if (other) problems.push(`${at}: ${p.registerType} register ${p.address + r} is also used by ${other}`);
      used.set(key, p.name);
    }
  });
  return problems;
}

/** Registers a vendor point takes. */
export function vendorPointSize(p: VendorPoint): number {
  return registerCount(p.type, p.size);
}

/** Loads and validates a SunSpec model file (cached). Every problem is listed with its path and the file. */
export function loadSunSpecFile(file: string): SunSpecModel {
  const hit = cache.get(file);
  if (hit) return hit as SunSpecModel;
  const model = parseWith(SunSpecModel, readYaml(file), file, checkSunSpecModel);
  cache.set(file, model);
  return model;
}

/** Loads and validates a vendor register map file (cached). */
export function loadVendorFile(file: string): VendorMap {
  const hit = cache.get(file);
  if (hit) return hit as VendorMap;
  const map = parseWith(VendorMap, readYaml(file), file, checkVendorMap);
  cache.set(file, map);
  return map;
}

/** Ids of the shipped SunSpec models, ascending. */
export function sunSpecModelIds(): number[] {
  return readdirSync(SUNSPEC_DIR)
    .filter((f) => /^\d+\.yaml$/.test(f))
    .map((f) => Number(basename(f, '.yaml')))
    .sort((a, b) => a - b);
}

/** A shipped SunSpec model by id, or a SunshareError naming the ones we have. */
export function loadSunSpecModel(id: number): SunSpecModel {
  if (!sunSpecModelIds().includes(id)) {
    throw new SunshareError('SUNSPEC_MODEL_UNKNOWN', `SunSpec model ${id} has no definition in ${SUNSPEC_DIR}`, {
      details: [`known models: ${sunSpecModelIds().join(', ')}`],
    });
  }
  return loadSunSpecFile(join(SUNSPEC_DIR, `${id}.yaml`));
}

/** Ids of the shipped vendor maps (file names without .yaml). */
export function vendorMapIds(): string[] {
  return readdirSync(MAPS_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => basename(f, '.yaml'))
    .sort();
}

/** A shipped vendor map by id (huawei-sun2000, sungrow-sg), or a path to a map file of your own. */
export function loadVendorMap(idOrFile: string): VendorMap {
  if (idOrFile.endsWith('.yaml') || idOrFile.endsWith('.yml') || idOrFile.includes('/')) return loadVendorFile(idOrFile);
  if (!vendorMapIds().includes(idOrFile)) {
    throw new SunshareError('DEVICE_MAP_UNKNOWN', `no register map named ${idOrFile} in ${MAPS_DIR}`, {
      details: [`known maps: ${vendorMapIds().join(', ')}`],
    });
  }
  return loadVendorFile(join(MAPS_DIR, `${idOrFile}.yaml`));
}

/** Ids of the SunSpec devices the simulator serves (sunspec-devices/*.yaml). */
export function sunSpecDeviceIds(): string[] {
  return readdirSync(SUNSPEC_DEVICES_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => basename(f, '.yaml'))
    .sort();
}

function checkSunSpecDevice(d: SunSpecDevice): string[] {
  const problems: string[] = [];
  const known = sunSpecModelIds();
  d.models.forEach((m, i) => {
    if (!known.includes(m.id)) problems.push(`/models/${i}/id: SunSpec model ${m.id} has no definition in ${SUNSPEC_DIR}`);
    else if (m.blocks && !loadSunSpecModel(m.id).repeating) problems.push(`/models/${i}/blocks: model ${m.id} has no repeating block`);
  });
  if (d.models[0]?.id !== 1) problems.push('/models/0/id: the chain starts with model 1 (common)');
  return problems;
}

/** Loads and validates a SunSpec device file (cached); the models it names must exist. */
export function loadSunSpecDeviceFile(file: string): SunSpecDevice {
  const hit = cache.get(file);
  if (hit) return hit as SunSpecDevice;
  const device = parseWith(SunSpecDevice, readYaml(file), file, checkSunSpecDevice);
  cache.set(file, device);
  return device;
}

/** A shipped SunSpec device by id (sunspec, sunspec-float, sunspec-meter, ...). */
export function loadSunSpecDevice(id: string): SunSpecDevice {
  if (!sunSpecDeviceIds().includes(id)) {
    throw new SunshareError('DEVICE_MAP_UNKNOWN', `no SunSpec device named ${id} in ${SUNSPEC_DEVICES_DIR}`, {
      details: [`known SunSpec devices: ${sunSpecDeviceIds().join(', ')}`],
    });
  }
  return loadSunSpecDeviceFile(join(SUNSPEC_DEVICES_DIR, `${id}.yaml`));
}

/** A device the simulator can serve and the gateway can read: one per map file. */
export interface DeviceProfile {
  /** The simulator's `profile`: a SunSpec device id or a vendor map id. */
  id: string;
  family: 'sunspec' | 'vendor';
  kind: 'inverter' | 'meter';
  /** What the gateway's `profile` says to read it: `sunspec` (discovery) or the vendor map's id. */
  gatewayProfile: string;
}

/** Every shipped device: the SunSpec devices, then the vendor maps. Ids are unique across both. */
export function deviceProfiles(): DeviceProfile[] {
  const sunspec = sunSpecDeviceIds().map((id): DeviceProfile => {
    const meter = loadSunSpecDevice(id).models.some((m) => loadSunSpecModel(m.id).kind === 'meter');
    return { id, family: 'sunspec', kind: meter ? 'meter' : 'inverter', gatewayProfile: 'sunspec' };
  });
  const vendor = vendorMapIds().map((id): DeviceProfile => ({ id, family: 'vendor', kind: loadVendorMap(id).kind, gatewayProfile: id }));
  const clash = sunspec.filter((s) => vendor.some((v) => v.id === s.id));
  if (clash.length > 0) {
    throw new SunshareError('DEVICE_MAP_INVALID', `device ids used both in ${SUNSPEC_DEVICES_DIR} and ${MAPS_DIR}`, { details: clash.map((c) => c.id) });
  }
  return [...sunspec, ...vendor];
}

/** A point of a SunSpec model by name (fixed block), or a SunshareError. */
export function sunSpecPoint(model: SunSpecModel, name: string): SunSpecPoint {
  const p = model.points.find((x) => x.name === name);
  if (!p) throw new SunshareError('SUNSPEC_POINT_UNKNOWN', `SunSpec model ${model.id} has no point ${name}`);
  return p;
}

/** Units a DL/T 645 point may give (toSi() turns k-units into W/Wh). */
const DLT645_UNITS = ['kWh', 'kW', 'kvar', 'kvarh', 'V', 'A', 'Hz'];

function checkDlt645Map(m: Dlt645Map): string[] {
  const problems: string[] = [];
  const dis = new Map<string, string>();
  const fields = new Map<string, string>();
  m.points.forEach((p, i) => {
    const at = `/points/${i} (${p.name})`;
    try {
      parseBcdFormat(p.format, p.signed);
    } catch (err) {
      problems.push(`${at}/format: ${(err as Error).message}`);
    }
    if (p.units !== undefined && !DLT645_UNITS.includes(p.units)) problems.push(`${at}/units: "${p.units}" is not one of ${DLT645_UNITS.join(', ')}`);
    const other = dis.get(p.di);
    if (other) problems.push(`${at}/di: ${p.di} is also read by ${other}`);
    dis.set(p.di, p.name);
    if (p.field) {
      const f = fields.get(p.field);
      if (f) problems.push(`${at}/field: ${p.field} is also fed by ${f}`);
      fields.set(p.field, p.name);
      if (p.field === 'state' || p.field === 'alarms') problems.push(`${at}/field: a DL/T 645 value is a number; it cannot feed ${p.field}`);
    }
    if (p.sim?.quantity.endsWith('_tariff_wh') && p.sim.tariff === undefined) problems.push(`${at}/sim: ${p.sim.quantity} needs its tariff (1-4)`);
  });
  return problems;
}

/** Ids of the shipped DL/T 645 meter maps. */
export function dlt645MapIds(): string[] {
  return readdirSync(DLT645_MAPS_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => basename(f, '.yaml'))
    .sort();
}

/** A shipped DL/T 645 meter map by id (dlt645-meter), or a path to a map file of your own (cached). */
export function loadDlt645Map(idOrFile: string): Dlt645Map {
  const isFile = idOrFile.endsWith('.yaml') || idOrFile.endsWith('.yml') || idOrFile.includes('/');
  if (!isFile && !dlt645MapIds().includes(idOrFile)) {
    throw new SunshareError('DEVICE_MAP_UNKNOWN', `no DL/T 645 meter map named ${idOrFile} in ${DLT645_MAPS_DIR}`, {
      details: [`known DL/T 645 maps: ${dlt645MapIds().join(', ')}`],
    });
  }
  const file = isFile ? idOrFile : join(DLT645_MAPS_DIR, `${idOrFile}.yaml`);
  const hit = cache.get(file);
  if (hit) return hit as Dlt645Map;
  const map = parseWith(Dlt645Map, readYaml(file), file, checkDlt645Map);
  cache.set(file, map);
  return map;
}

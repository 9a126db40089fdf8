import { applyScale, bitNames, decode, END_MODEL_ID, isNotImplemented, loadSunSpecModel, pointAddress, repeatingPointAddress, sunSpecModelIds, SUNS_MARKER, type SunSpecModel, type SunSpecPoint } from '../../common/devices/index.ts';
import { SunshareError } from '../../common/errors.ts';
import type { RegisterImage, RegisterRange } from '../modbus/planner.ts';
import { assignField, chunkRanges, type Decoded, type Profile, type ReadRegisters } from './profile.ts';

/** Where to look for 'SunS', in this order. */
export const DISCOVERY_BASES = [40000, 50000, 0] as const;
const MAX_MODELS = 64;

/** Model definitions are files; read them once, not on every decode. */
let known: Map<number, SunSpecModel> | undefined;
function knownModels(): Map<number, SunSpecModel> {
  known ??= new Map(sunSpecModelIds().map((id) => [id, loadSunSpecModel(id)]));
  return known;
}

export interface FoundModel {
  id: number;
  /** Address of the model's ID register. */
  start: number;
  /** L as the device announced it. */
  length: number;
}

/**
 * A SunSpec device: discovery finds 'SunS' and walks the model chain by each
 * model's own L (never by assumed sizes); models we have definitions for
 * (1, 101-103, 111-113, 160, 201-204, 302) are read every cycle, ID and L included
 * so a changed layout is noticed.
 */
export class SunSpecProfile implements Profile {
  readonly name = 'sunspec';
  private found: { base: number; models: FoundModel[] } | undefined;

  ranges(): RegisterRange[] | undefined {
    if (!this.found) return undefined;
    return chunkRanges(this.supported().map((m) => ({ table: 'holding' as const, address: m.start, count: 2 + m.length })));
  }

  /** The discovered chain (for status and tests). */
  models(): FoundModel[] {
    return this.found?.models ?? [];
  }

  private supported(): FoundModel[] {
    const defs = knownModels();
    return (this.found?.models ?? []).filter((m) => defs.has(m.id));
  }

  reset(): void {
    this.found = undefined;
  }

  async discover(read: ReadRegisters): Promise<void> {
    const tried: string[] = [];
    for (const base of DISCOVERY_BASES) {
      let marker: number[];
      try {
        marker = await read('holding', base, 2);
      } catch (err) {
        if ((err as { modbusCode?: number }).modbusCode === undefined) throw err; // no answer at all: not a layout question
        tried.push(`${base}: ${(err as Error).message}`);
        continue;
      }
      if (marker[0] !== SUNS_MARKER[0] || marker[1] !== SUNS_MARKER[1]) {
        tried.push(`${base}: no SunS marker`);
        continue;
      }
      this.found = { base, models: await walk(read, base) };
      return;
    }
    throw new SunshareError('SUNSPEC_NOT_FOUND', 'no SunSpec marker (SunS) at 40000, 50000 or 0', { details: tried });
  }

  decode(image: RegisterImage): Decoded {
    const out: Decoded = { kind: 'inverter', values: {}, notFinite: [] };
    let moduleDcW: number | undefined;
    for (const m of this.supported()) {
      const header = image.get('holding', m.start, 2);
      if (!header || header[0] !== m.id || header[1] !== m.length) {
        out.layoutChanged = true;
        continue;
      }
      const model = knownModels().get(m.id) as SunSpecModel;
      if (model.kind === 'meter') out.kind = 'meter';
      const point = (p: SunSpecPoint, address: number) => decodePoint(model, p, address, image, m);
      for (const p of model.points) {
        if (!p.field && !p.identity) continue;
        const v = point(p, pointAddress(m.start, p));
        if (v === undefined) continue;
        if (p.identity === 'serial') out.serial = String(v);
        if (p.field === 'state') {
          const state = p.symbols?.find((s) => s.value === v)?.state;
          if (state) out.values.state = state;
        } else if (p.field) assignField(out.values, out.notFinite, p.field, v);
      }
      if (model.repeating) {
        moduleDcW = sumModulePower(model, m, image, point) ?? moduleDcW;
        // a repeating block's contract fields come from its first block, if L has one (model 302: the first sensor's POAI)
        for (const p of model.repeating.points) {
          if (!p.field) continue;
          const v = point(p, repeatingPointAddress(model, m.start, 0, p));
          if (typeof v === 'number') assignField(out.values, out.notFinite, p.field, v);
        }
      }
    }
    if (out.values.dc_power_w === undefined && moduleDcW !== undefined) out.values.dc_power_w = moduleDcW;
    return out;
  }
}

async function walk(read: ReadRegisters, base: number): Promise<FoundModel[]> {
  const models: FoundModel[] = [];
  let addr = base + 2;
  for (let i = 0; i < MAX_MODELS; i++) {
    const [id, length] = (await read('holding', addr, 2)) as [number, number];
    if (id === END_MODEL_ID) return models;
    models.push({ id, start: addr, length });
    addr += 2 + length;
    if (addr + 2 > 0x10000) break;
  }
  throw new SunshareError('SUNSPEC_CHAIN_BROKEN', `SunSpec model chain from ${base} has no end marker (0xFFFF) within ${MAX_MODELS} models or the address space`, {
    details: models.map((m) => `model ${m.id} at ${m.start}, L=${m.length}`),
  });
}

/** A point's value (scaled, bit names for bitfields), or undefined when absent, not implemented or beyond the announced L. */
function decodePoint(model: SunSpecModel, p: SunSpecPoint, address: number, image: RegisterImage, m: FoundModel): number | string | string[] | undefined {
  if (address + p.size > m.start + 2 + m.length) return undefined;
  const words = image.get('holding', address, p.size);
  if (!words || isNotImplemented(p.type, words, { size: p.size })) return undefined;
  if (p.type === 'string') return decode('string', words, { size: p.size }) || undefined;
  const raw = decode(p.type, words);
  if (p.type === 'bitfield16' || p.type === 'bitfield32') return bitNames(raw, p.bits);
  if (!p.sf) return raw;
  const sfPoint = model.points.find((x) => x.name === p.sf);
  if (!sfPoint) return undefined;
  const sfWords = image.get('holding', pointAddress(m.start, sfPoint), 1);
  if (!sfWords || isNotImplemented('sunssf', sfWords)) return undefined;
  const sf = decode('sunssf', sfWords);
  if (sf < -10 || sf > 10) return undefined; // SunSpec allows -10..10; anything else is a broken device
  return applyScale(raw, sf);
}

/** Model 160: total DC power over all modules present in L. */
function sumModulePower(model: SunSpecModel, m: FoundModel, image: RegisterImage, point: (p: SunSpecPoint, address: number) => unknown): number | undefined {
  const rep = model.repeating;
  const dcw = rep?.points.find((p) => p.name === 'DCW');
  if (!rep || !dcw) return undefined;
  const blocks = Math.floor((m.length - model.length) / rep.blockLength);
  let total: number | undefined;
  for (let i = 0; i < blocks; i++) {
    const v = point(dcw, repeatingPointAddress(model, m.start, i, dcw));
    if (typeof v === 'number') total = (total ?? 0) + v;
  }
  return total;
}

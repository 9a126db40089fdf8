import {
  encode,
  fromSi,
  notImplementedWords,
  registerCount,
  SUNS_MARKER,
  END_MODEL_ID,
  toGainRaw,
  toScaledRaw,
  vendorPointSize,
  type EnumSymbol,
  type SunSpecModel,
  type SunSpecPoint,
  type VendorMap,
  type VendorPoint,
} from '../../common/devices/index.ts';
import { RegisterBank } from './bank.ts';
import type { Snapshot } from './snapshot.ts';
import { sunspecValue, vendorValue } from './values.ts';

/** Points a device leaves out: by point name or by contract field. */
export type NotImplemented = ReadonlySet<string>;

const COUNTER_FIELDS = new Set(['ac_energy_wh', 'export_energy_wh', 'import_energy_wh']);

/** Where a map has no value for a state, the nearest one it has (Sungrow has no "sleeping"). */
const STATE_FALLBACKS: Record<string, string[]> = { throttled: ['mppt'], sleeping: ['standby', 'off'], starting: ['standby'], standby: ['sleeping'] };

function stateValue(symbols: readonly EnumSymbol[] | undefined, s: Snapshot): number | undefined {
  for (const state of [s.state, ...(STATE_FALLBACKS[s.state] ?? [])]) {
    const found = symbols?.find((x) => x.state === state);
    if (found) return found.value;
  }
  return undefined;
}

function alarmBits(bits: readonly { bit: number; name: string }[] | undefined, s: Snapshot): number {
  return (bits ?? []).filter((b) => s.alarms.includes(b.name)).reduce((sum, b) => sum + 2 ** b.bit, 0);
}

/** Encodes one value, or the not-implemented marker; a value the type cannot hold counts as a problem. */
function words(p: { type: SunSpecPoint['type'] | VendorPoint['type']; size?: number }, raw: number | string | undefined, order: 'big' | 'little', onProblem: (msg: string) => void): number[] {
  const size = registerCount(p.type, p.size);
  if (raw === undefined || (typeof raw === 'number' && !Number.isFinite(raw))) return notImplementedWords(p.type, { size, wordOrder: order });
  try {
    return encode(p.type, raw, { size, wordOrder: order });
  } catch (err) {
    onProblem((err as Error).message);
    return notImplementedWords(p.type, { size, wordOrder: order });
  }
}

export interface ModelInChain {
  model: SunSpecModel;
  /** Repeating blocks (model 160: MPPTs). */
  blocks?: number;
  /** Announce a shorter L than the spec (model 1 with L=65: no Pad). */
  length?: number;
}

/** A SunSpec device's register image: 'SunS', the models, the end marker. */
export class SunSpecImage {
  readonly bank = new RegisterBank();
  readonly layout: { id: number; start: number; length: number }[] = [];
  problems = 0;
  lastProblem: string | undefined;
  private readonly end: number;

  private readonly chain: readonly ModelInChain[];
  /** Scale factor per sunssf point name. */
  private readonly sfs: Readonly<Record<string, number>>;
  readonly base: number;

  constructor(chain: readonly ModelInChain[], sfs: Readonly<Record<string, number>>, base = 40000) {
    this.chain = chain;
    this.sfs = sfs;
    this.base = base;
    let at = base + 2;
    for (const m of chain) {
      const length = m.length ?? m.model.length + (m.blocks ?? 0) * (m.model.repeating?.blockLength ?? 0);
      this.layout.push({ id: m.model.id, start: at, length });
      at += 2 + length;
    }
    this.end = at;
    this.bank.addBlock('holding', base, at + 2 - base);
    this.bank.write('holding', base, [...SUNS_MARKER]);
    this.bank.write('holding', at, [END_MODEL_ID, 0]);
  }

  encode(s: Snapshot, ni: NotImplemented): void {
    const onProblem = (msg: string) => {
      this.problems++;
      this.lastProblem = msg;
    };
    this.chain.forEach((m, i) => {
      const { start, length } = this.layout[i]!;
      this.bank.write('holding', start, [m.model.id, length]);
      const put = (p: SunSpecPoint, address: number, block: number, prefix?: string) => {
        if (address + p.size > start + 2 + length) return; // beyond the announced L (model 1 with L=65)
        this.bank.write('holding', address, words(p, this.raw(p, s, ni, block, prefix), 'big', onProblem));
      };
      for (const p of m.model.points) put(p, start + 2 + p.offset, 0);
      const rep = m.model.repeating;
      for (let b = 0; rep && b < (m.blocks ?? 0); b++) {
        for (const p of rep.points) put(p, start + 2 + m.model.length + b * rep.blockLength + p.offset, b, rep.name);
      }
    });
  }

  private raw(p: SunSpecPoint, s: Snapshot, ni: NotImplemented, block: number, prefix?: string): number | string | undefined {
    if (p.type === 'pad') return undefined;
    if (p.type === 'sunssf') return this.sfs[p.name];
    if (ni.has(p.name) || (p.field && ni.has(p.field))) return undefined;
    if (p.field === 'state' || (prefix && p.type === 'enum16')) return stateValue(p.symbols ?? STATE_SYMBOLS, s);
    if (p.field === 'alarms') return alarmBits(p.bits, s);
    const v = sunspecValue(p, s, block, prefix);
    if (typeof v !== 'number' || p.type === 'float32') return v;
    if (p.sf) {
      const sf = this.sfs[p.sf];
      if (sf === undefined) return undefined;
      const raw = toScaledRaw(v, sf);
      return p.field && COUNTER_FIELDS.has(p.field) ? raw % 2 ** 32 : raw;
    }
    return Math.round(v);
  }

  /** Address just past the end marker (for tests and docs). */
  get endAddress(): number {
    return this.end + 2;
  }
}

const STATE_SYMBOLS: EnumSymbol[] = [
  { value: 2, name: 'SLEEPING', state: 'sleeping' },
  { value: 3, name: 'STARTING', state: 'starting' },
  { value: 4, name: 'MPPT', state: 'mppt' },
  { value: 5, name: 'THROTTLED', state: 'throttled' },
  { value: 7, name: 'FAULT', state: 'fault' },
];

/** Registers within this many of each other share one readable block (real devices read gaps as 0). */
const MAX_GAP = 16;

/** A vendor-map device's register image (Huawei, Sungrow, ...). */
export class VendorImage {
  readonly bank = new RegisterBank();
  problems = 0;
  lastProblem: string | undefined;

  private readonly map: VendorMap;

  constructor(map: VendorMap) {
    this.map = map;
    for (const kind of ['holding', 'input'] as const) {
      const pts = map.points.filter((p) => p.registerType === kind).sort((a, b) => a.address - b.address);
      let start = -1;
      let end = -1;
      for (const p of pts) {
        if (start >= 0 && p.address - end > MAX_GAP) {
          this.bank.addBlock(kind, start, end - start);
          start = -1;
        }
        if (start < 0) start = p.address;
        end = Math.max(end, p.address + vendorPointSize(p));
      }
      if (start >= 0) this.bank.addBlock(kind, start, end - start);
    }
  }

  encode(s: Snapshot, ni: NotImplemented): void {
    const onProblem = (msg: string) => {
      this.problems++;
      this.lastProblem = msg;
    };
    for (const p of this.map.points) {
      const size = vendorPointSize(p);
      let raw = this.raw(p, s, ni);
      if (raw === undefined && p.invalid?.[0] !== undefined && p.type !== 'string') {
        raw = p.type === 'int16' && p.invalid[0] >= 0x8000 ? p.invalid[0] - 0x10000 : p.type === 'int32' && p.invalid[0] >= 0x80000000 ? p.invalid[0] - 2 ** 32 : p.invalid[0];
      }
      this.bank.write(p.registerType, p.address, words({ type: p.type, size }, raw, p.wordOrder, onProblem));
    }
  }

  private raw(p: VendorPoint, s: Snapshot, ni: NotImplemented): number | string | undefined {
    if (ni.has(p.name) || (p.field && ni.has(p.field))) return undefined;
    if (p.field === 'state') return stateValue(p.symbols, s);
    if (p.field === 'alarms') return alarmBits(p.bits, s);
    const v = vendorValue(p, s);
    if (typeof v !== 'number' || p.type === 'float32') return typeof v === 'number' ? fromSi(v, p.units) : v;
    const raw = toGainRaw(fromSi(v, p.units), p.gain);
    return p.field && COUNTER_FIELDS.has(p.field) ? raw % 2 ** 32 : raw;
  }
}

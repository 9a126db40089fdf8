import { applyGain, bitNames, decode, loadVendorMap, toSi, vendorPointSize, wordsToRaw, registerCount, type VendorMap, type VendorPoint } from '../../common/devices/index.ts';
import type { RegisterImage, RegisterRange } from '../modbus/planner.ts';
import { assignField, type Decoded, type Profile } from './profile.ts';

/**
 * A device described by a vendor register map (common/devices/maps/*.yaml):
 * no discovery, every mapped point is read each cycle.
 */
export class VendorProfile implements Profile {
  readonly name: string;
  private readonly map: VendorMap;
  private readonly plan: RegisterRange[];

  constructor(mapName: string) {
    this.map = loadVendorMap(mapName);
    this.name = this.map.id;
    this.plan = this.map.points.filter((p) => p.field || p.identity).map((p) => ({ table: p.registerType, address: p.address, count: vendorPointSize(p) }));
  }

  ranges(): RegisterRange[] {
    return this.plan;
  }

  async discover(): Promise<void> {}

  reset(): void {}

  decode(image: RegisterImage): Decoded {
    const out: Decoded = { kind: this.map.kind, values: {}, notFinite: [] };
    for (const p of this.map.points) {
      if (!p.field && !p.identity) continue;
      const words = image.get(p.registerType, p.address, vendorPointSize(p));
      if (!words) continue;
      const value = decodePoint(p, words);
      if (value === undefined) continue;
      if (p.identity === 'serial') out.serial = String(value);
      if (p.identity === 'rated_power' && typeof value === 'number') out.ratedPowerW = value;
      if (p.field === 'state') {
        const state = symbolState(p, value);
        if (state) out.values.state = state;
      } else if (p.field) assignField(out.values, out.notFinite, p.field, value);
    }
    return out;
  }
}

/** One point's value in SI units, bit names for bitfields, or undefined when the device marks it invalid. */
export function decodePoint(p: VendorPoint, words: number[]): number | string | string[] | undefined {
  if (p.type === 'string') return decode('string', words, { size: p.size }) || undefined;
  const raw = wordsToRaw(words, registerCount(p.type), p.wordOrder);
  if (p.invalid?.includes(raw)) return undefined;
  if (p.type === 'bitfield16' || p.type === 'bitfield32') return bitNames(raw, p.bits);
  if (p.type === 'enum16') return raw;
  return toSi(applyGain(decode(p.type, words, { wordOrder: p.wordOrder }), p.gain), p.units);
}

function symbolState(p: VendorPoint, value: number | string | string[]) {
  return p.symbols?.find((s) => s.value === value)?.state;
}

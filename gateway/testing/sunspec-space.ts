import { encode, END_MODEL_ID, loadSunSpecModel, notImplementedWords, SUNS_MARKER, toScaledRaw } from '../../common/devices/index.ts';
import type { RegisterTable } from '../modbus/planner.ts';

export type ModelSpec = { id: number; L?: number; set: Record<string, number | string>; blocks?: Record<string, number>[] };

/** Builds a SunSpec register space the way a device lays it out; points not given read as not implemented. */
export function sunspecSpace(base: number, models: ModelSpec[]) {
  const regs = new Map<number, number>();
  const put = (addr: number, words: number[]) => words.forEach((w, i) => regs.set(addr + i, w));
  put(base, [...SUNS_MARKER]);
  let addr = base + 2;
  for (const m of models) {
    if (m.id === 120) {
      // a model we have no definition for: only its ID and L matter
      put(addr, [m.id, m.L ?? 26, ...new Array<number>(m.L ?? 26).fill(0)]);
      addr += 2 + (m.L ?? 26);
      continue;
    }
    const def = loadSunSpecModel(m.id);
    const blockLen = def.repeating?.blockLength ?? 0;
    const L = m.L ?? def.length + (m.blocks?.length ?? 0) * blockLen;
    put(addr, [m.id, L]);
    const sfOf = (name?: string) => (name ? Number(m.set[name] ?? 0) : 0);
    const write = (p: (typeof def.points)[number], at: number, values: Record<string, number | string>) => {
      if (p.offset + p.size > L && at === addr + 2 + p.offset) return;
      const v = values[p.name];
      const words = v === undefined ? notImplementedWords(p.type, { size: p.size }) : p.type === 'string' ? encode('string', v, { size: p.size }) : encode(p.type, p.sf ? toScaledRaw(Number(v), sfOf(p.sf)) : Number(v), { size: p.size });
      put(at, words);
    };
    for (const p of def.points) write(p, addr + 2 + p.offset, m.set);
    (m.blocks ?? []).forEach((b, i) => {
      for (const p of def.repeating?.points ?? []) write(p, addr + 2 + def.length + i * blockLen + p.offset, b);
    });
    addr += 2 + L;
  }
  put(addr, [END_MODEL_ID, 0]);
  const read = async (_t: RegisterTable, a: number, n: number) => {
    if (!regs.has(a)) throw Object.assign(new Error('illegal data address'), { modbusCode: 2 });
    return Array.from({ length: n }, (_, i) => regs.get(a + i) ?? 0);
  };
  return { regs, read };
}


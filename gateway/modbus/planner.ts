/**
 * Coalesces the register ranges a device needs into as few Modbus reads as
 * possible: ranges of one table are sorted and merged while the gap between
 * them is at most `maxGap` registers and the block stays within `maxBlock`
 * (125, the most one read-registers request may ask for).
 */
export type RegisterTable = 'holding' | 'input';

export interface RegisterRange {
  table: RegisterTable;
  address: number;
  count: number;
}

export type ReadBlock = RegisterRange;

export const MODBUS_MAX_READ = 125;

export function planReads(ranges: readonly RegisterRange[], maxGap: number, maxBlock = MODBUS_MAX_READ): ReadBlock[] {
  const blocks: ReadBlock[] = [];
  for (const table of ['holding', 'input'] as const) {
    const sorted = ranges.filter((r) => r.table === table && r.count > 0).sort((a, b) => a.address - b.address || b.count - a.count);
    let cur: ReadBlock | undefined;
    for (const r of sorted) {
      if (r.count > maxBlock) throw new RangeError(`a ${r.count}-register value at ${r.address} cannot be read in one request (max ${maxBlock})`);
      const end = r.address + r.count;
      if (cur && r.address <= cur.address + cur.count + maxGap && Math.max(end, cur.address + cur.count) - cur.address <= maxBlock) {
        cur.count = Math.max(end, cur.address + cur.count) - cur.address;
        continue;
      }
      cur = { table, address: r.address, count: r.count };
      blocks.push(cur);
    }
  }
  return blocks;
}

/** Register values read, by table and address, for decoding a device's points after the block reads. */
export class RegisterImage {
  private readonly words = { holding: new Map<number, number>(), input: new Map<number, number>() };

  put(block: RegisterRange, data: readonly number[]): void {
    const t = this.words[block.table];
    for (let i = 0; i < block.count; i++) t.set(block.address + i, data[i] ?? 0);
  }

  /** The words of a range, or undefined if any was not read. */
  get(table: RegisterTable, address: number, count: number): number[] | undefined {
    const t = this.words[table];
    const out: number[] = [];
    for (let i = 0; i < count; i++) {
      const w = t.get(address + i);
      if (w === undefined) return undefined;
      out.push(w);
    }
    return out;
  }
}

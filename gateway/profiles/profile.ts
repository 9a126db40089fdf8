import type { Reading } from '../../common/contract.ts';
import type { RegisterImage, RegisterRange, RegisterTable } from '../modbus/planner.ts';

/** Reads registers from one device (unit id already bound). */
export type ReadRegisters = (table: RegisterTable, address: number, count: number) => Promise<number[]>;

/** The normalized values of one read, before quality checks. */
export interface Decoded {
  kind: Reading['kind'];
  values: Omit<Reading, 'device' | 'kind' | 'ts' | 'quality' | 'serial'>;
  serial?: string;
  ratedPowerW?: number;
  /** Fields that decoded to NaN/Infinity and were left out. */
  notFinite: string[];
  /** Values the device sent that cannot be decoded (DL/T 645: not BCD), left out: what and where. */
  undecodable?: string[];
  /** Set when the register layout no longer matches what discovery found (SunSpec): discover again. */
  layoutChanged?: boolean;
}

/**
 * What the poller needs from a device profile: which registers to read each
 * cycle (after discovery, if the profile needs one) and how to decode them.
 */
export interface Profile {
  readonly name: string;
  /** Undefined until discover() succeeded. */
  ranges(): RegisterRange[] | undefined;
  discover(read: ReadRegisters): Promise<void>;
  decode(image: RegisterImage): Decoded;
  /** Forget the discovered layout (the device was replaced or re-flashed). */
  reset(): void;
}

/** Splits long ranges so none exceeds one request (the planner merges the pieces again). */
export function chunkRanges(ranges: RegisterRange[], max = 100): RegisterRange[] {
  const out: RegisterRange[] = [];
  for (const r of ranges) {
    for (let a = r.address; a < r.address + r.count; a += max) out.push({ table: r.table, address: a, count: Math.min(max, r.address + r.count - a) });
  }
  return out;
}

/** Adds a decoded value to the reading's fields; alarms accumulate across points. */
export function assignField(values: Decoded['values'], notFinite: string[], field: string, value: number | string | string[]): void {
  const v = values as Record<string, unknown>;
  if (field === 'alarms') {
    v.alarms = [...((v.alarms as string[] | undefined) ?? []), ...(value as string[])];
    return;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) {
    notFinite.push(field);
    return;
  }
  v[field] = value;
}

import { loadVendorMap, vendorPointSize } from '../../common/devices/index.ts';
import type { ModbusLine } from '../modbus/line.ts';
import { decodePoint } from '../profiles/vendor.ts';

/** A device found behind a Modbus gateway (a SmartLogger) at one unit id, with what it says about itself. */
export interface FoundDevice {
  unit: number;
  model?: string;
  serial?: string;
}

/**
 * Looks for the devices of a vendor map (by default the SUN2000 inverters) behind a data logger:
 * at each unit id, the map's identity points (model, serial number) are read once with a short
 * timeout. A unit that does not answer, or answers with an exception (a SmartLogger answers 0x0B,
 * "gateway target failed to respond", for an address it has no device at), is empty. Sequential:
 * the logger serves one request at a time.
 */
export async function discoverUnits(line: ModbusLine, units: readonly number[], timeoutMs: number, mapName = 'huawei-sun2000'): Promise<FoundDevice[]> {
  const identity = loadVendorMap(mapName).points.filter((p) => p.identity === 'model' || p.identity === 'serial');
  const found: FoundDevice[] = [];
  for (const unit of units) {
    const device: FoundDevice = { unit };
    try {
      for (const p of identity) {
        const value = decodePoint(p, await line.read(unit, p.registerType, p.address, vendorPointSize(p), timeoutMs));
        if (typeof value === 'string' || typeof value === 'number') device[p.identity as 'model' | 'serial'] = String(value);
      }
    } catch {
      continue;
    }
    if (device.model !== undefined || device.serial !== undefined) found.push(device);
  }
  return found;
}

/** Unit ids from `1-30` or `12,13,20-24`. */
export function parseUnits(text: string): number[] {
  const units = new Set<number>();
  for (const part of text.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (!m) return [];
    const from = Number(m[1]);
    const to = Number(m[2] ?? m[1]);
    for (let u = from; u <= to && u <= 247; u++) units.add(u);
  }
  return [...units].sort((a, b) => a - b);
}

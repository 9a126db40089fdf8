import { SunshareError } from '../../common/errors.ts';
import type { Decoded, Profile, ReadRegisters } from '../profiles/profile.ts';
import type { ModbusLine } from './line.ts';
import { planReads, RegisterImage, type ReadBlock } from './planner.ts';

/** What the poller needs from a device, whatever its protocol: one decoded read. */
export interface DeviceReader {
  read(): Promise<Decoded>;
  /** Discoveries run so far (SunSpec walks its chain again after a layout change). */
  readonly discoveries: number;
}

/**
 * A Modbus device: discovery when its profile needs one, then the planned block reads (as few
 * requests as possible) and the profile's decode.
 */
export class ModbusReader implements DeviceReader {
  private blocks: ReadBlock[] | undefined;
  discoveries = 0;

  private readonly line: ModbusLine;
  private readonly unit: number;
  private readonly timeoutMs: number;
  private readonly profile: Profile;
  private readonly maxGap: number;

  constructor(line: ModbusLine, unit: number, timeoutMs: number, profile: Profile, maxGap: number) {
    this.line = line;
    this.unit = unit;
    this.timeoutMs = timeoutMs;
    this.profile = profile;
    this.maxGap = maxGap;
  }

  private readonly readRegisters: ReadRegisters = (table, address, count) => this.line.read(this.unit, table, address, count, this.timeoutMs);

  async read(): Promise<Decoded> {
    if (!this.blocks) {
      this.discoveries++;
      if (!this.profile.ranges()) await this.profile.discover(this.readRegisters);
      this.blocks = planReads(this.profile.ranges() ?? [], this.maxGap);
    }
    const image = new RegisterImage();
    for (const b of this.blocks) image.put(b, await this.readRegisters(b.table, b.address, b.count));
    const decoded = this.profile.decode(image);
    if (decoded.layoutChanged) {
      this.profile.reset();
      this.blocks = undefined;
      throw new SunshareError('DEVICE_LAYOUT_CHANGED', 'register layout changed since discovery (device replaced or re-flashed); discovering again');
    }
    return decoded;
  }
}

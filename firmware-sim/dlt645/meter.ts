import { CONTROL, diString, encodeValue, ERROR_BIT, loadDlt645Map, NO_REQUESTED_DATA, parseBcdFormat, REPLY_BIT, addressBytes, fromSi, type BcdFormat, type Dlt645Map, type Dlt645Point, type Frame } from '../../common/devices/index.ts';
import { localTimeOfDay } from '../../common/time.ts';
import type { SimulatedDevice } from '../devices/device.ts';
import type { Snapshot } from '../devices/snapshot.ts';

/** Error status "other error" (bit 0): what a meter in an exception fault answers. */
const OTHER_ERROR = 0x01;

/**
 * The tariff period (1 sharp, 2 peak, 3 flat, 4 valley) of a local hour: an illustrative Guangdong-
 * style time-of-use table (valley at night, peak and sharp in the working day). Real meters are
 * programmed by the utility; only the split, not the total, depends on it.
 */
export function tariffAt(hour: number): 1 | 2 | 3 | 4 {
  if (hour < 8) return 4;
  if (hour === 11 || hour === 15 || hour === 16) return 1;
  if (hour === 10 || hour === 14 || hour === 17 || hour === 18) return 2;
  return 3;
}

/**
 * A simulated DL/T 645-2007 meter: one of the simulator's meters (its physics: the site's export
 * and import counters, signed power, phase voltages) answering read-data requests for the data
 * identifiers of a DL/T 645 map, in their formats. The per-tariff counters split what the physics
 * counts by the tariff period of the local hour in which the meter sees it counted.
 */
export class Dlt645Meter {
  readonly address: string;
  readonly device: SimulatedDevice;
  private readonly map: Dlt645Map;
  private readonly formats: Map<string, BcdFormat>;
  private readonly timeZone: string;
  private readonly tariffs = { import: [0, 0, 0, 0], export: [0, 0, 0, 0] };
  private last: { import: number; export: number } | undefined;

  constructor(device: SimulatedDevice, address: string, mapName: string, timeZone: string) {
    addressBytes(address); // validates
    this.address = address;
    this.device = device;
    this.map = loadDlt645Map(mapName);
    this.formats = new Map(this.map.points.map((p) => [p.name, parseBcdFormat(p.format, p.signed)]));
    this.timeZone = timeZone;
  }

  /** Moves what the counters gained since the last request into the current tariff period. */
  private splitTariffs(s: Snapshot): void {
    if (!this.last || s.importWh < this.last.import || s.exportWh < this.last.export) {
      // first request, or the counters were reset: everything so far counts as flat
      this.tariffs.import = [0, 0, s.importWh, 0];
      this.tariffs.export = [0, 0, s.exportWh, 0];
    } else {
      const t = tariffAt(Math.floor(localTimeOfDay(s.t, this.timeZone) / 3_600_000)) - 1;
      this.tariffs.import[t]! += s.importWh - this.last.import;
      this.tariffs.export[t]! += s.exportWh - this.last.export;
    }
    this.last = { import: s.importWh, export: s.exportWh };
  }

  /** The SI value a point shows now, or undefined when the meter does not implement it (a not_implemented fault). */
  private value(p: Dlt645Point, s: Snapshot): number | undefined {
    const ni = this.device.fault('not_implemented');
    if (ni && (ni.fields?.includes(p.field ?? '') || ni.points?.includes(p.name))) return undefined;
    const phaseA = s.acW === 0 ? 0 : s.acW / 3 / s.phaseV[0];
    switch (p.sim?.quantity ?? p.field) {
      case 'import_energy_wh':
        return s.importWh;
      case 'export_energy_wh':
        return s.exportWh;
      case 'import_tariff_wh':
        return this.tariffs.import[(p.sim?.tariff ?? 1) - 1];
      case 'export_tariff_wh':
        return this.tariffs.export[(p.sim?.tariff ?? 1) - 1];
      case 'ac_power_w':
        return s.acW;
      case 'ac_voltage_v':
        return s.phaseV[0];
      case 'phase_b_voltage_v':
        return s.phaseV[1];
      case 'phase_c_voltage_v':
        return s.phaseV[2];
      // signed like the power: negative while the station exports
      case 'ac_current_a':
        return phaseA;
      case 'frequency_hz':
        return s.hz;
      default:
        return undefined;
    }
  }

  /** Value bytes of a point in its format; counters roll over at the format's last digit, as meters do. */
  private encode(p: Dlt645Point, si: number): Uint8Array {
    const f = this.formats.get(p.name)!;
    const v = fromSi(si, p.units);
    if (f.signed) return encodeValue(v, f);
    const raw = Math.round(Math.max(0, v) * 10 ** f.decimals) % 10 ** (2 * f.bytes);
    return encodeValue(raw / 10 ** f.decimals, f);
  }

  /** The reply to a read-data request, or undefined when the meter stays silent. */
  answer(request: Frame): Frame | undefined {
    if (request.control !== CONTROL.readData || request.data.length !== 4) return undefined;
    const d = this.device;
    d.stats.requests++;
    if (d.hasFault('silent')) {
      d.stats.unanswered++;
      return undefined;
    }
    const error = (status: number): Frame => {
      d.stats.exceptions++;
      return { address: this.address, control: REPLY_BIT | ERROR_BIT | CONTROL.readData, data: Uint8Array.of(status) };
    };
    if (d.hasFault('exception')) return error(OTHER_ERROR);
    const di = diString(request.data);
    const p = this.map.points.find((x) => x.di === di);
    if (!p) return error(NO_REQUESTED_DATA);
    const s = d.snapshot();
    this.splitTariffs(s);
    const v = this.value(p, s);
    if (v === undefined) return error(NO_REQUESTED_DATA);
    d.stats.answered++;
    return { address: this.address, control: REPLY_BIT | CONTROL.readData, data: Uint8Array.from([...request.data, ...this.encode(p, v)]) };
  }

  /** The reply to the broadcast read-address request (0x13 -> 0x93, the address as data). */
  answerAddress(): Frame | undefined {
    if (this.device.hasFault('silent')) return undefined;
    return { address: this.address, control: REPLY_BIT | CONTROL.readAddress, data: addressBytes(this.address) };
  }

  /** The exact per-tariff split the meter holds now, Wh (for tests). */
  tariffTruth(): { import: number[]; export: number[] } {
    return { import: [...this.tariffs.import], export: [...this.tariffs.export] };
  }
}

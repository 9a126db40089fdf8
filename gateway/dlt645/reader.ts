import { decodeValue, loadDlt645Map, parseBcdFormat, toSi, type BcdFormat, type Dlt645Map, type Dlt645Point } from '../../common/devices/index.ts';
import { TARIFF_ENERGY_FIELDS } from '../../common/contract.ts';
import { SunshareError } from '../../common/errors.ts';
import type { DeviceReader } from '../modbus/reader.ts';
import { assignField, type Decoded } from '../profiles/profile.ts';
import { Dlt645ErrorReply, type Dlt645Client, type Dlt645Session } from './client.ts';

export interface Dlt645ReaderOptions {
  address: string;
  timeoutMs: number;
  /** The meter counts the station's output as forward: swap the counters, negate power and current. */
  reversed: boolean;
  /** Read the per-tariff counters too (default true); false leaves them out of the reading, and off the line. */
  tariffs?: boolean;
}

const TARIFF_FIELDS: ReadonlySet<string> = new Set(TARIFF_ENERGY_FIELDS);

/** One point's value in SI units, or why it has none. */
export type PointValue = { value: number } | { absent: string } | { invalid: string };

/**
 * A DL/T 645-2007 meter described by a map (common/devices/dlt645-maps/): one read-data request
 * per data identifier that feeds a contract field. A DI the meter does not have ("no requested
 * data") leaves its field absent; a value that is not BCD is left out and flagged not_finite; a
 * timeout or any other error fails the whole read (the poller backs off).
 */
export class Dlt645Reader implements DeviceReader {
  readonly discoveries = 0;
  readonly map: Dlt645Map;
  private readonly formats: Map<string, BcdFormat>;
  private readonly client: Dlt645Client;
  private readonly opts: Dlt645ReaderOptions;

  constructor(client: Dlt645Client, mapName: string, opts: Dlt645ReaderOptions) {
    this.client = client;
    this.opts = opts;
    this.map = loadDlt645Map(mapName);
    this.formats = new Map(this.map.points.map((p) => [p.name, parseBcdFormat(p.format, p.signed)]));
  }

  /** The address of the one meter on the line, by the broadcast read-address request (commissioning). */
  readAddress(): Promise<string> {
    return this.client.readAddress(this.opts.timeoutMs);
  }

  /** Reads one point; `absent` when the meter does not have its DI, `invalid` when the value is not BCD. */
  async readPoint(p: Dlt645Point, session: Dlt645Session = this.client): Promise<PointValue> {
    let raw: Uint8Array;
    try {
      raw = await session.readData(this.opts.address, p.di, this.opts.timeoutMs);
    } catch (err) {
      if (err instanceof Dlt645ErrorReply && err.noData) return { absent: err.message };
      throw err;
    }
    try {
      return { value: toSi(decodeValue(raw, this.formats.get(p.name)!), p.units) };
    } catch (err) {
      if (err instanceof SunshareError && err.code === 'DLT645_VALUE_INVALID') return { invalid: `${p.name} (DI ${p.di}): ${err.message}` };
      throw err;
    }
  }

  /** Every point that feeds a contract field, in one turn of the line's queue (one protocol switch on a shared line). */
  read(): Promise<Decoded> {
    return this.client.batch((session) => this.readAll(session));
  }

  private async readAll(session: Dlt645Session): Promise<Decoded> {
    const out: Decoded = { kind: 'meter', values: {}, notFinite: [], serial: this.opts.address };
    for (const p of this.map.points) {
      if (!p.field) continue;
      if (this.opts.tariffs === false && TARIFF_FIELDS.has(p.field)) continue;
      const r = await this.readPoint(p, session);
      if ('invalid' in r) {
        out.notFinite.push(p.field);
        (out.undecodable ??= []).push(r.invalid);
      }
      if (!('value' in r)) continue;
      assignField(out.values, out.notFinite, this.field(p.field), this.opts.reversed && (p.field === 'ac_power_w' || p.field === 'ac_current_a') ? -r.value : r.value);
    }
    return out;
  }

  private field(f: NonNullable<Dlt645Point['field']>): string {
    if (!this.opts.reversed) return f;
    // the totals and their tariff counters alike: export_energy_wh_t2 <-> import_energy_wh_t2
    if (f.startsWith('export_energy_wh')) return `import${f.slice('export'.length)}`;
    if (f.startsWith('import_energy_wh')) return `export${f.slice('import'.length)}`;
    return f;
  }
}

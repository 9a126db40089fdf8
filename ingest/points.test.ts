import { Point } from '@influxdata/influxdb-client';
import { describe, expect, it } from 'vitest';
import type { Reading } from '../common/contract.ts';
import { readingLine } from './points.ts';

/** The hand-built line must be exactly what the client library's Point makes. */
function viaPoint(site: string, gateway: string, r: Reading): string | undefined {
  const p = new Point(r.kind).tag('site', site).tag('gateway', gateway).tag('device', r.device);
  for (const [k, v] of Object.entries(r)) if (typeof v === 'number' && k !== 'ts') p.floatField(k, v);
  if (r.state !== undefined) p.stringField('state', r.state);
  if (r.alarms !== undefined) p.stringField('alarms', r.alarms.join(','));
  if (r.quality?.length) p.stringField('quality', r.quality.join(','));
  if (r.serial !== undefined) p.stringField('serial', r.serial);
  return p.timestamp(r.ts).toLineProtocol();
}

describe('reading lines', () => {
  const cases: Reading[] = [
    { device: 'inv1', kind: 'inverter', ts: 1780000000123, ac_power_w: 12.5, ac_energy_wh: 100, state: 'mppt', alarms: [] },
    { device: 'm.1', kind: 'meter', ts: 1780000000000, export_energy_wh: 1e15, import_energy_wh: 0.25, ac_power_w: -3000 },
    { device: 'inv_2', kind: 'inverter', ts: 1, serial: 'SN "7" \\ x', alarms: ['GroundFault', 'Over Temp'], quality: ['stale', 'energy_backwards'], temperature_c: -12.75 },
  ];
  for (const r of cases) {
    it(`matches Point for ${r.device}`, () => {
      const mine = readingLine('site-1', 'gw.a', r)!.split(' ');
      const theirs = viaPoint('site-1', 'gw.a', r)!.split(' ');
      // Same series key and time; the same fields (Point sorts them by name).
      expect(mine[0]).toBe(theirs[0]);
      expect(mine.slice(-1)).toEqual(theirs.slice(-1));
      const fields = (l: string) => l.slice(l.indexOf(' ') + 1, l.lastIndexOf(' '));
      const split = (f: string) => f.match(/(?:[^,"]|"(?:[^"\\]|\\.)*")+/g)!.sort();
      expect(split(fields(readingLine('site-1', 'gw.a', r)!))).toEqual(split(fields(viaPoint('site-1', 'gw.a', r)!)));
    });
  }
  it('writes nothing for a reading without values', () => {
    expect(readingLine('s', 'g', { device: 'd', kind: 'inverter', ts: 1 })).toBeUndefined();
  });
});

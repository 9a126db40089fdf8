import { STATUS_SCHEMA } from '../../common/contract.ts';
import { batchLine, readingLine, statusLines } from '../../ingest/index.ts';

/**
 * A county-sized fleet for the dashboards bench: `sites` sites of `inverters`
 * inverters, read every `stepMs` over `hours` ending at `endMs`, in the
 * contract's InfluxDB layout (inverter, meter, gateway, gateway_batch measurements).
 */
export function* fleetLines(sites: number, inverters: number, hours: number, stepMs: number, endMs: number): Generator<string> {
  const start = endMs - hours * 3_600_000;
  for (let s = 0; s < sites; s++) {
    const site = `bench-site-${String(s).padStart(3, '0')}`;
    const energy = Array.from({ length: inverters }, (_, i) => 100_000_000 + 1_000 * i);
    let exported = 500_000_000;
    for (let ts = start, seq = 0; ts < endMs; ts += stepMs, seq++) {
      let siteW = 0;
      for (let i = 0; i < inverters; i++) {
        const w = Math.round(40_000 + 10_000 * Math.sin(ts / 600_000 + s + i));
        siteW += w;
        energy[i]! += (w * stepMs) / 3_600_000;
        yield readingLine(site, 'gw-1', { device: `inv-${i + 1}`, kind: 'inverter', ts, ac_power_w: w, ac_energy_wh: Math.floor(energy[i]!), state: 'mppt', alarms: [] })!;
      }
      exported += (siteW * 0.985 * stepMs) / 3_600_000;
      yield readingLine(site, 'gw-1', { device: 'meter-1', kind: 'meter', ts, ac_power_w: -Math.round(siteW * 0.985), export_energy_wh: Math.floor(exported), import_energy_wh: 1_000_000 })!;
      yield batchLine(site, 'gw-1', seq, ts, inverters + 1, ts + 300 + (seq % 50));
      if (seq % 6 === 0) yield* statusLines({ schema: STATUS_SCHEMA, site, gateway: 'gw-1', online: true, ts, spool: { bytes: 0, batches: 0, evictedBatches: 0 } });
    }
  }
}

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openLedger } from '../common/ledger/index.js';
import { waitFor } from '../common/testing/index.js';
import { startInfluxSink, type InfluxSink } from './influx-sink.js';
import { startDemo, type Demo } from './index.js';

const maxSeq = (sink: InfluxSink, key: string) => Math.max(-1, ...(sink.batches().get(key) ?? []));

describe('stopping the demo and starting it again with --keep', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sunshare-demo-restart-'));
  const dataDir = join(dir, 'data');
  const opts = { apiPort: 0, mqttPort: 0, dataDir, daySeconds: 30, sites: 2, households: 3 };
  let sink: InfluxSink | undefined;
  let running: Demo | undefined;
  afterAll(async () => {
    await running?.stop();
    await sink?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loses no telemetry batch, and time and counters go on where they stopped', async () => {
    sink = await startInfluxSink();
    const keys = ['ry-01/gw1', 'ry-02/gw1'];
    running = await startDemo(opts, undefined, { influxSink: sink });
    const first = running;
    const energyToday = async (demo: Demo) => {
      const res = await fetch(`${demo.apiUrl}/sites`, { headers: { authorization: `Bearer ${demo.tokens.viewer}` } });
      return ((await res.json()) as { items: { energyTodayWh?: number }[] }).items.map((s) => s.energyTodayWh ?? 0);
    };
    await waitFor(async () => keys.every((k) => maxSeq(sink!, k) >= 8), 'batches from both gateways', 30_000, 100);
    await waitFor(async () => (await energyToday(first)).every((e) => e > 0), 'energy today on both sites', 30_000, 100);
    const energyBefore = await energyToday(first);
    const stoppedAt = first.simNow();
    await first.stop();
    running = undefined;
    const beforeRestart = Object.fromEntries(keys.map((k) => [k, maxSeq(sink!, k)]));

    running = await startDemo({ ...opts, fresh: false }, undefined, { influxSink: sink });
    expect(running.simStart).toBeGreaterThanOrEqual(stoppedAt);
    expect(running.simStart - stoppedAt).toBeLessThan(3_600_000);
    // the API started anew, yet today's energy so far is all there (seeded from the ledger)
    const energyAfter = await energyToday(running);
    energyAfter.forEach((e, i) => expect(e).toBeGreaterThanOrEqual(energyBefore[i]!));
    const old = await fetch(`${running.apiUrl}/sites`, { headers: { authorization: `Bearer ${first.tokens.viewer}` } });
    expect(old.status).toBe(401); // the last run's demo tokens are revoked
    await waitFor(async () => keys.every((k) => maxSeq(sink!, k) >= beforeRestart[k]! + 8), 'batches after the restart', 30_000, 100);
    const second = running;
    await waitFor(async () => second.settledDays.length > 0, 'the day that spans the restart settled', 60_000, 250);
    const day = second.settledDays[0]!;
    await running.stop();
    running = undefined;

    for (const k of keys) {
      const seqs = [...sink.batches().get(k)!].sort((a, b) => a - b);
      const missing = [];
      for (let s = seqs[0]!; s <= seqs.at(-1)!; s++) if (!seqs.includes(s)) missing.push(s);
      expect(missing, `${k}: batches never ingested`).toEqual([]);
      expect(seqs.at(-1)).toBeGreaterThan(beforeRestart[k]!);
    }
    const db = await openLedger(join(dataDir, 'ledger.sqlite'));
    try {
      // counters went on from where they were: the day across the restart is a plain difference, no reset
      const rows = await db.all<{ method: string; energy_wh: number; device_id: string; counter: string }>('SELECT device_id, counter, method, energy_wh FROM daily_energy_current WHERE day = ?', [day]);
      expect(rows.length).toBe(2 * 8); // 2 sites x (6 inverters + the meter's export and import counters)
      // The settlement counters (inverter lifetime, meter export) go on; the simulator has no start value for a
      // meter's import counter, so that one restarts at 0 and ingest counts it as a reset, as it should.
      const settling = rows.filter((r) => r.counter !== 'import_energy_wh');
      expect(settling).toHaveLength(2 * 7);
      expect(new Set(settling.map((r) => r.method))).toEqual(new Set(['delta']));
      const settled = await db.all<{ energy_wh: number; energy_source: string }>('SELECT energy_wh, energy_source FROM settlements WHERE day = ?', [day]);
      expect(settled).toHaveLength(2);
      for (const s of settled) expect(s).toMatchObject({ energy_source: 'revenue_meter' });
    } finally {
      await db.close();
    }
  }, 100_000);
});

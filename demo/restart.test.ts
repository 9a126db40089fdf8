import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openLedger } from '../common/ledger/index.ts';
import { waitFor } from '../common/testing/index.ts';
import type { Demo } from './index.ts';
import { restartableDemo } from './testing.ts';

describe('stopping the demo and starting it again (it resumes by default)', () => {
  const demo = restartableDemo('sunshare-demo-restart-');

  it('loses no telemetry batch, and time and counters go on where they stopped', async () => {
    const keys = ['ry-01/gw1', 'ry-02/gw1'];
    const first = await demo.start();
    const energyToday = async (demo: Demo) => {
      const res = await fetch(`${demo.apiUrl}/sites`, { headers: { authorization: `Bearer ${demo.tokens.viewer}` } });
      return ((await res.json()) as { items: { energyTodayWh?: number }[] }).items.map((s) => s.energyTodayWh ?? 0);
    };
    await waitFor(async () => keys.every((k) => demo.maxSeq(k) >= 8), 'batches from both gateways', 30_000, 100);
    await waitFor(async () => (await energyToday(first)).every((e) => e > 0), 'energy today on both sites', 30_000, 100);
    const energyBefore = await energyToday(first);
    const stoppedAt = first.simNow();
    await demo.stop();
    const beforeRestart = Object.fromEntries(keys.map((k) => [k, demo.maxSeq(k)]));

    const second = await demo.start();
    expect(second.simStart).toBeGreaterThanOrEqual(stoppedAt);
    expect(second.simStart - stoppedAt).toBeLessThan(3_600_000);
    // the API started anew, yet today's energy so far is all there (seeded from the ledger)
    const energyAfter = await energyToday(second);
    energyAfter.forEach((e, i) => expect(e).toBeGreaterThanOrEqual(energyBefore[i]!));
    const old = await fetch(`${second.apiUrl}/sites`, { headers: { authorization: `Bearer ${first.tokens.viewer}` } });
    expect(old.status).toBe(401); // the last run's demo tokens are revoked
    await waitFor(async () => keys.every((k) => demo.maxSeq(k) >= beforeRestart[k]! + 8), 'batches after the restart', 30_000, 100);
    await waitFor(async () => second.settledDays.length > 0, 'the day that spans the restart settled', 60_000, 250);
    const day = second.settledDays[0]!;
    await demo.stop();

    for (const k of keys) {
      const seqs = demo.seqs(k);
      const missing = [];
      for (let s = seqs[0]!; s <= seqs.at(-1)!; s++) if (!seqs.includes(s)) missing.push(s);
      expect(missing, `${k}: batches never ingested`).toEqual([]);
      expect(seqs.at(-1)).toBeGreaterThan(beforeRestart[k]!);
    }
    const db = await openLedger(join(demo.dataDir, 'ledger.sqlite'));
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

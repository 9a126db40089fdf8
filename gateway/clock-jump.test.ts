import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { TOPIC_ROOT, type Reading } from '../common/contract.ts';
import { fakeClock, faketimeAvailable, mosquittoAvailable, startMosquitto, waitFor } from '../common/testing/index.ts';
import { collect, type Collector } from './testing/collector.ts';
import { removeTestSpools, testConfig } from './testing/config.ts';
import { twoInverterSite } from './testing/two-inverters.ts';

afterAll(removeTestSpools);
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Readings of each device in the order the gateway sent them (by batch seq). */
function byDevice(col: Collector): Map<string, Reading[]> {
  const out = new Map<string, Reading[]>();
  for (const b of [...col.batches].sort((x, y) => x.seq - y.seq)) for (const r of b.readings) out.set(r.device, [...(out.get(r.device) ?? []), r]);
  return out;
}

/**
 * A real gateway process whose wall clock is stepped by libfaketime (its
 * monotonic clock stays real), as NTP correcting a drifted clock would.
 */
describe.skipIf(!mosquittoAvailable() || !faketimeAvailable())('gateway under a wall clock that jumps', () => {
  it('keeps polling through an hour back and an hour forward; reading timestamps never go backwards', async () => {
    const { sim, devices } = await twoInverterSite(5, { start: '2026-06-21T10:00', speed: 1 });
    cleanups.push(() => sim.stop());
    const broker = await startMosquitto();
    cleanups.push(() => broker.destroy());
    const raw = testConfig(broker.url, { pollIntervalMs: 200 }, devices);
    const col = await collect(broker.url, `${TOPIC_ROOT}/${raw.site}/${raw.gateway}`);
    cleanups.push(() => col.close());

    const clock = fakeClock();
    cleanups.push(() => clock.close());
    const script = fileURLToPath(new URL('./testing/gateway-child.ts', import.meta.url));
    const gw = spawn(process.execPath, [script, JSON.stringify(raw)], { stdio: ['ignore', 'ignore', 'inherit'], env: clock.env });
    cleanups.push(() => gw.kill('SIGKILL'));
    const full = () => col.batches.filter((b) => b.readings.length === 2).length;

    await waitFor(async () => full() >= 5, 'first full batches', 30_000);
    const beforeStep = Math.max(...col.batches.flatMap((b) => b.readings.map((r) => r.ts)));
    clock.set(-3600);
    // With waits on the wall clock, the next cycle would come an hour from now.
    const atBack = full();
    await waitFor(async () => full() >= atBack + 10, '10 more cycles after the clock went back an hour', 15_000);
    const stepBack = col.statuses.at(-1)?.clock;
    expect(stepBack?.jumps).toBe(1);
    expect(stepBack?.lastStepMs).toBeLessThan(-3_590_000);
    expect(stepBack?.held).toBeGreaterThanOrEqual(20);
    // Held readings sit just after the last one stamped before the step, not an hour back.
    const afterBack = col.batches.filter((b) => b.readings.length > 0).at(-1)!.readings[0]!.ts;
    expect(afterBack).toBeGreaterThan(beforeStep);
    expect(afterBack).toBeLessThan(beforeStep + 1000);

    clock.set(0);
    const atForward = full();
    await waitFor(async () => full() >= atForward + 10, '10 more cycles after the clock came forward again', 15_000);
    const stepForward = col.statuses.at(-1)?.clock;
    expect(stepForward?.jumps).toBe(2);
    expect(stepForward?.lastStepMs).toBeGreaterThan(3_590_000);
    const latest = col.batches.filter((b) => b.readings.length > 0).at(-1)!.readings[0]!.ts;
    expect(Math.abs(latest - Date.now())).toBeLessThan(2000); // on the real time again

    // Each device's readings: strictly increasing timestamps in the order sent, so ordering by time
    // keeps the lifetime counter non-decreasing (no false "reset" for ingest to count twice).
    for (const [device, rs] of byDevice(col)) {
      for (let i = 1; i < rs.length; i++) {
        expect(rs[i]!.ts, `${device} reading ${i}`).toBeGreaterThan(rs[i - 1]!.ts);
      }
      const byTime = [...rs].sort((a, b) => a.ts - b.ts).map((r) => r.ac_energy_wh ?? 0);
      expect(byTime).toEqual([...byTime].sort((a, b) => a - b));
    }
    expect(col.missing(Math.max(...col.seqs()))).toEqual([]);
    expect(col.invalid).toEqual([]);
  });
});

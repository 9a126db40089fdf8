import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { TOPIC_ROOT } from '../common/contract.ts';
import { mosquittoAvailable, startMosquitto, waitFor } from '../common/testing/index.ts';
import { collect, PERSISTENT_MOSQUITTO } from './testing/collector.ts';
import { removeTestSpools, testConfig } from './testing/config.ts';
import { twoInverterSite } from './testing/two-inverters.ts';

afterAll(removeTestSpools);

/**
 * Store and forward end to end: a real gateway process polling the simulator, a private Mosquitto
 * stopped for many poll cycles (and the gateway killed -9 during the outage): every seq from the
 * first to the last reaches a subscriber.
 */
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

describe.skipIf(!mosquittoAvailable())('outage with the real gateway and the simulator', () => {
  async function outage(killDuringOutage: boolean) {
    const { sim, devices } = await twoInverterSite(3, { start: '2026-06-21T10:00', speed: 60 });
    cleanups.push(() => sim.stop());
    const broker = await startMosquitto(PERSISTENT_MOSQUITTO);
    cleanups.push(() => broker.destroy());
    const raw = testConfig(broker.url, { pollIntervalMs: 100, spool: { replayBatchesPerSecond: 100 } }, devices);
    const col = await collect(broker.url, `${TOPIC_ROOT}/${raw.site}/${raw.gateway}`, { clean: false, clientId: `col-${raw.site}` });
    cleanups.push(() => col.close());
    const script = fileURLToPath(new URL('./testing/gateway-child.ts', import.meta.url));
    const run = () => {
      const p = spawn(process.execPath, [script, JSON.stringify(raw)], { stdio: ['ignore', 'pipe', 'inherit'] });
      const state = { last: -1, p };
      p.stdout.on('data', (d: Buffer) => {
        for (const l of d.toString().split('\n')) if (l !== '') state.last = Number(l);
      });
      cleanups.push(async () => p.kill('SIGKILL'));
      return state;
    };
    let gw = run();
    await waitFor(async () => col.batches.some((b) => b.readings.length === 2) && col.batches.length >= 5, 'first full batches', 30_000);
    await broker.stop();
    const downAt = gw.last;
    await waitFor(async () => gw.last >= downAt + 30, '30 cycles with the broker down', 30_000);
    if (killDuringOutage) {
      gw.p.kill('SIGKILL');
      await new Promise((r) => gw.p.once('exit', r));
      const killedAt = gw.last;
      gw = run();
      await waitFor(async () => gw.last >= killedAt + 20, '20 more cycles after the restart', 30_000);
      expect(gw.last).toBeGreaterThan(killedAt); // seq survived the kill
    }
    await broker.start();
    const upAt = gw.last;
    await waitFor(async () => gw.last >= upAt + 10, 'live cycles after the outage', 30_000);
    const lastSeq = gw.last;
    await waitFor(async () => col.missing(lastSeq).length === 0, `every seq up to ${lastSeq}`, 30_000).catch(() => undefined);
    expect(col.missing(lastSeq)).toEqual([]);
    expect(col.invalid).toEqual([]);
    expect(lastSeq).toBeGreaterThan(downAt + 30);
    // the batches made during the outage carry real readings, not just seqs
    const during = col.batches.filter((b) => b.seq > downAt && b.seq <= upAt);
    const readingsDuring = during.reduce((n, b) => n + b.readings.length, 0);
    expect(readingsDuring).toBeGreaterThan(during.length * 2 * 0.7); // both devices, (nearly) every cycle
  }

  it('every seq arrives after a broker outage of many poll cycles', () => outage(false));
  it('every seq arrives when the gateway is also killed -9 during the outage', () => outage(true));
});

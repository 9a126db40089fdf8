import { describe, expect, it } from 'vitest';
import { STATUS_SCHEMA } from '../../common/contract.ts';
import { batchFor } from '../fixtures.ts';
import { LiveStatusStore } from './store.ts';

// 2026-06-01 08:00 in Asia/Shanghai (UTC+8) is 00:00 UTC.
const MORNING = Date.parse('2026-06-01T00:00:00Z');
const HOUR = 3600_000;

describe('live status store', () => {
  it('is offline and empty for a site never heard from', () => {
    const s = new LiveStatusStore().site('nowhere');
    expect(s).toMatchObject({ online: false, gateways: [] });
    expect(s.powerW).toBeUndefined();
  });

  it('sums inverter power and counts energy today from the revenue meter', () => {
    const store = new LiveStatusStore();
    store.applyTelemetry(batchFor('a', 1, MORNING, 1000, 5_000_000, 9_000_000));
    store.applyTelemetry(batchFor('a', 2, MORNING + HOUR, 2000, 5_002_000, 9_005_900));
    const s = store.site('a');
    expect(s.online).toBe(true);
    expect(s.powerW).toBe(6000);
    expect(s.energyTodayWh).toBe(5900); // meter, not the inverters' 3 x 2000
    expect(s.day).toBe('2026-06-01');
  });

  it('uses the inverters when the site has no meter counter', () => {
    const store = new LiveStatusStore();
    const strip = (b: ReturnType<typeof batchFor>) => ({ ...b, readings: b.readings.filter((r) => r.kind === 'inverter') });
    store.applyTelemetry(strip(batchFor('a', 1, MORNING, 1000, 5_000_000, 0)));
    store.applyTelemetry(strip(batchFor('a', 2, MORNING + HOUR, 1000, 5_001_000, 0)));
    expect(store.site('a').energyTodayWh).toBe(3000);
  });

  it('starts a new day at local midnight, counting from the last counter of the old day', () => {
    const store = new LiveStatusStore();
    const lateEvening = Date.parse('2026-06-01T15:30:00Z'); // 23:30 local
    const afterMidnight = Date.parse('2026-06-01T16:30:00Z'); // 00:30 local, next day
    store.applyTelemetry(batchFor('a', 1, MORNING, 1000, 0, 1_000));
    store.applyTelemetry(batchFor('a', 2, lateEvening, 0, 0, 50_000));
    expect(store.site('a').energyTodayWh).toBe(49_000);
    store.applyTelemetry(batchFor('a', 3, afterMidnight, 0, 0, 50_100));
    expect(store.site('a')).toMatchObject({ day: '2026-06-02', energyTodayWh: 100 });
    expect(store.curve('a').points).toHaveLength(1);
  });

  it('keeps the energy so far across a counter reset and ignores replayed older readings', () => {
    const store = new LiveStatusStore();
    store.applyTelemetry(batchFor('a', 1, MORNING, 1000, 0, 10_000));
    store.applyTelemetry(batchFor('a', 2, MORNING + HOUR, 1000, 0, 12_000));
    store.applyTelemetry(batchFor('a', 3, MORNING + 2 * HOUR, 1000, 0, 500)); // meter replaced
    store.applyTelemetry(batchFor('a', 4, MORNING + 3 * HOUR, 1000, 0, 1_500));
    store.applyTelemetry(batchFor('a', 1, MORNING, 1000, 0, 10_000)); // a replay of seq 1
    expect(store.site('a').energyTodayWh).toBe(3_000);
  });

  it('goes offline on the last will and when a gateway falls silent', () => {
    let now = 1_000_000;
    const store = new LiveStatusStore({ offlineAfterMs: 30_000, now: () => now });
    store.applyStatus({ schema: STATUS_SCHEMA, site: 'a', gateway: 'gw1', online: true, ts: now, devices: [{ device: 'inv1', ok: false, consecutiveErrors: 3, lastError: 'timeout' }] });
    expect(store.site('a').online).toBe(true);
    now += 31_000;
    expect(store.site('a')).toMatchObject({ online: false, powerW: 0 });
    store.applyStatus({ schema: STATUS_SCHEMA, site: 'a', gateway: 'gw1', online: false, ts: now });
    expect(store.site('a').online).toBe(false);
    expect(store.site('a').gateways[0]?.devices[0]?.lastError).toBe('timeout'); // the will keeps the last health
  });

  it('keeps one curve point per bucket of reading time', () => {
    const store = new LiveStatusStore({ bucketMs: HOUR });
    for (let i = 0; i < 12; i++) store.applyTelemetry(batchFor('a', i, MORNING + i * 10 * 60_000, 100 * i, 0, i));
    const pts = store.curve('a').points;
    expect(pts.map((p) => p[0])).toEqual([MORNING, MORNING + HOUR]);
    expect(pts[1]![1]).toBe(3 * 1100); // the last value in the bucket
  });
});

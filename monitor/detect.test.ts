import { describe, expect, it } from 'vitest';
import { STATUS_SCHEMA, TELEMETRY_SCHEMA, type Reading } from '../common/contract.ts';
import { loadAlarmMeanings } from './alarm-meanings.ts';
import { MonitorConfig } from './config.ts';
import { parseConfig } from '../common/config.ts';
import { detectAlarmBits } from './detect/alarm-bits.ts';
import type { DetectContext } from './detect/condition.ts';
import { detectCounterAnomaly } from './detect/counter.ts';
import { detectGatewayOffline } from './detect/gateway.ts';
import { detectMeterDivergence } from './detect/meter.ts';
import { detectOffline } from './detect/offline.ts';
import { PeerWatch } from './detect/peers.ts';
import { detectStuck } from './detect/stuck.ts';
import { deviceKey, type DeviceInfo, type Registry } from './registry.ts';
import { Fleet } from './state.ts';

const detect = parseConfig({}, MonitorConfig, 'defaults').detect;
const RATED = 50_000;
const registry: Registry = {
  sites: new Map([['s1', { id: 's1', name: 'S1', capacityW: 3 * RATED, latitude: 24.78, longitude: 113.28, timeZone: 'Asia/Shanghai' }]]),
  devices: new Map<string, DeviceInfo>([
    ...['inv1', 'inv2', 'inv3'].map((id): [string, DeviceInfo] => [deviceKey('s1', id), { site: 's1', id, kind: 'inverter', ratedW: RATED, revenueMeter: false }]),
    [deviceKey('s1', 'meter'), { site: 's1', id: 'meter', kind: 'meter', ratedW: null, revenueMeter: true }],
  ]),
};

function scene() {
  const fleet = new Fleet(detect.counterJumpFactor, (site, d) => registry.devices.get(deviceKey(site, d))?.ratedW ?? null);
  const ctx = (cycle: number): DetectContext => ({ fleet, registry, config: detect, cycle, daylight: () => true });
  let seq = 0;
  const batch = (ts: number, readings: Omit<Reading, 'ts'>[], cycle: number) =>
    fleet.addBatch({ schema: TELEMETRY_SCHEMA, site: 's1', gateway: 'gw1', seq: seq++, sentAt: ts, readings: readings.map((r) => ({ ...r, ts })) }, cycle);
  return { fleet, ctx, batch };
}
const inv = (device: string, acW: number, energyWh: number, extra: Partial<Reading> = {}): Omit<Reading, 'ts'> => ({ device, kind: 'inverter', ac_power_w: acW, ac_energy_wh: energyWh, ...extra });

describe('detectors', () => {
  it('device offline after offlineCycles cycles without a reading, not before, and not behind an offline gateway', () => {
    const { fleet, ctx, batch } = scene();
    batch(0, [inv('inv1', 1000, 1), inv('inv2', 1000, 1)], 0);
    for (let c = 1; c <= 3; c++) batch(c * 10_000, [inv('inv1', 1000 + c, 1 + c)], c);
    expect(detectOffline(ctx(2)).map((x) => x.device)).toEqual([]);
    expect(detectOffline(ctx(3)).map((x) => x.device)).toEqual(['inv2']);
    fleet.addStatus({ schema: STATUS_SCHEMA, site: 's1', gateway: 'gw1', online: false, ts: 40_000 });
    expect(detectOffline(ctx(10))).toEqual([]);
    expect(detectGatewayOffline(ctx(10))).toMatchObject([{ kind: 'gateway_offline', gateway: 'gw1', severity: 'critical' }]);
    fleet.addStatus({ schema: STATUS_SCHEMA, site: 's1', gateway: 'gw1', online: true, ts: 50_000 });
    expect(detectGatewayOffline(ctx(10))).toEqual([]);
  });

  it('stuck after stuckReadings identical readings with power above zero; a sleeping inverter at 0 W is not stuck', () => {
    const { ctx, batch } = scene();
    for (let c = 0; c < 4; c++) batch(c * 10_000, [inv('inv1', 12_345, 500), inv('inv2', 0, 700), inv('inv3', 12_000 + c, 500 + c)], c);
    expect(detectStuck(ctx(4)).map((x) => x.device)).toEqual(['inv1']);
  });

  it('decodes alarm bits to the vendor meaning in English and Chinese', () => {
    const { ctx, batch } = scene();
    batch(0, [inv('inv1', 0, 1, { state: 'fault', alarms: ['GROUND_FAULT', 'LOW_INSULATION_RESISTANCE'] })], 0);
    const c = detectAlarmBits(loadAlarmMeanings())(ctx(0));
    expect(c.map((x) => x.message)).toEqual(['inv1 at s1: Ground fault / 接地故障', 'inv1 at s1: Low insulation resistance (2062) / 绝缘阻抗低']);
    expect(c.every((x) => x.stopsGeneration && x.severity === 'critical')).toBe(true);
  });

  it('counter anomaly: backwards, or faster than the rating allows', () => {
    const { ctx, batch } = scene();
    batch(0, [inv('inv1', 1000, 10_000), inv('inv2', 1000, 10_000)], 0);
    batch(10_000, [inv('inv1', 1000, 9_000), inv('inv2', 1000, 10_000 + 50_000)], 1);
    expect(detectCounterAnomaly(ctx(1)).map((x) => [x.device, (x.details.reason as string).split(' (')[0]])).toEqual([
      ['inv1', 'the counter went backwards'],
      ['inv2', 'the counter jumped 50000 Wh in 10 s'],
    ]);
  });

  it('underperformance: below the peers by peerShortfall for peerMinutes of daylight, not for a shorter dip', () => {
    const { ctx, batch } = scene();
    const peers = new PeerWatch();
    let c = 0;
    const step = (own: number, minutes: number) => {
      for (let i = 0; i < minutes; i++, c++) {
        batch(c * 60_000, [inv('inv1', own, c), inv('inv2', 30_000, c), inv('inv3', 31_000, c)], c);
        peers.detect(ctx(c));
      }
    };
    step(30_500, 5);
    step(20_000, 9); // a 9-minute dip: a passing shade
    step(30_500, 3);
    expect(peers.detect(ctx(c))).toEqual([]);
    step(20_000, 11);
    const found = peers.detect(ctx(c));
    expect(found.map((x) => x.device)).toEqual(['inv1']);
    expect(found[0]!.details.shortfall).toBeCloseTo(1 - 20_000 / 30_500, 2);
  });

  it('no underperformance when a cloud covers the whole site', () => {
    const { ctx, batch } = scene();
    const peers = new PeerWatch();
    for (let c = 0; c < 60; c++) {
      const cloud = 0.2 + 0.8 * Math.abs(Math.sin(c / 5));
      batch(c * 60_000, [inv('inv1', 30_000 * cloud * 0.99, c), inv('inv2', 30_000 * cloud, c), inv('inv3', 30_000 * cloud * 1.01, c)], c);
      expect(peers.detect(ctx(c))).toEqual([]);
    }
  });

  it('revenue meter diverging from the sum of its inverters over the window', () => {
    const { ctx, batch } = scene();
    for (let m = 0; m <= 60; m++) {
      const invWh = m * 1000; // 3 x 1 kWh a minute = 180 kWh an hour
      batch(m * 60_000, [inv('inv1', 60_000, invWh), inv('inv2', 60_000, invWh), inv('inv3', 60_000, invWh), { device: 'meter', kind: 'meter', export_energy_wh: 3 * invWh * 0.98 }], m);
    }
    expect(detectMeterDivergence(ctx(60))).toEqual([]);
    const drift = scene();
    for (let m = 0; m <= 60; m++) {
      const invWh = m * 1000;
      drift.batch(m * 60_000, [inv('inv1', 60_000, invWh), inv('inv2', 60_000, invWh), inv('inv3', 60_000, invWh), { device: 'meter', kind: 'meter', export_energy_wh: 3 * invWh * 0.85 }], m);
    }
    expect(detectMeterDivergence(drift.ctx(60))).toMatchObject([{ kind: 'meter_divergence', device: 'meter', details: { divergence: -0.15 } }]);
  });
});

import { describe, expect, it } from 'vitest';
import { TELEMETRY_SCHEMA, type Reading } from '../common/contract.ts';
import type { Alarm } from './alarms/store.ts';
import { distanceKm, nearbyClearness } from './loss/nearby.ts';
import { LossTracker } from './loss/tracker.ts';
import { deviceKey, type DeviceInfo, type Registry, type SiteInfo } from './registry.ts';
import { Fleet } from './state.ts';

const site = (id: string, lat: number, lon: number): SiteInfo => ({ id, name: id, capacityW: 100_000, latitude: lat, longitude: lon, timeZone: 'Asia/Shanghai' });
const registry: Registry = {
  sites: new Map([['a', site('a', 24.78, 113.28)], ['b', site('b', 24.8, 113.3)], ['far', site('far', 31.2, 121.5)]]),
  devices: new Map<string, DeviceInfo>(
    ['a', 'b', 'far'].flatMap((s) => ['inv1', 'inv2'].map((d): [string, DeviceInfo] => [deviceKey(s, d), { site: s, id: d, kind: 'inverter', ratedW: 50_000, revenueMeter: false }])),
  ),
};
const CLEAR_W_PER_W = 0.8; // a stand-in clear sky: 80 % of the rating all day
const clearSky = (_s: string, ratedW: number) => ratedW * CLEAR_W_PER_W;
const alarm = (over: Partial<Alarm>): Alarm => ({
  id: 'x', key: 'k', kind: 'gateway_offline', severity: 'critical', site: 'a', device: null, gateway: 'gw1', message: '', details: {}, stopsGeneration: true, raisedAt: 0,
  acknowledgedAt: null, acknowledgedBy: null, clearedAt: null, lostWh: 0, lostFen: 0, householdsFen: 0, companyFen: 0, households: 0, ...over,
});

function feed(fleet: Fleet, s: string, ts: number, w: number, wh: number) {
  const readings: Reading[] = ['inv1', 'inv2'].map((device) => ({ device, kind: 'inverter', ts, ac_power_w: w, ac_energy_wh: wh }));
  fleet.addBatch({ schema: TELEMETRY_SCHEMA, site: s, gateway: 'gw1', seq: ts, sentAt: ts, readings }, ts / 60_000);
}

describe('lost energy', () => {
  it('measures distance between sites (2.9 km across town, 1,200 km to Shanghai)', () => {
    expect(distanceKm(registry.sites.get('a')!, registry.sites.get('b')!)).toBeCloseTo(2.96, 1);
    expect(distanceKm(registry.sites.get('a')!, registry.sites.get('far')!)).toBeGreaterThan(1000);
  });

  it('a whole site dark for an hour under clouds: expected follows the clear-sky index of the sites nearby, not the clear sky', async () => {
    const fleet = new Fleet(1.5, (s, d) => registry.devices.get(deviceKey(s, d))?.ratedW ?? null);
    const clearness = (s: string, t: number) => nearbyClearness(s, t, fleet, registry, clearSky, 30, 120_000);
    const tracker = new LossTracker(fleet, () => registry, clearSky, clearness);
    feed(fleet, 'a', 0, 20_000, 1_000_000);
    feed(fleet, 'b', 0, 20_000, 1_000_000);
    feed(fleet, 'far', 0, 40_000, 1_000_000); // sunny 1,200 km away: not this site's weather
    const outage = alarm({});
    tracker.sync([outage]);
    // site b makes half its clear sky for an hour (20 kW of 40 kW per inverter); site a sends nothing
    for (let m = 1; m <= 60; m++) {
      feed(fleet, 'b', m * 60_000, 20_000, 1_000_000 + (m * 20_000) / 60);
      feed(fleet, 'far', m * 60_000, 40_000, 1_000_000 + (m * 40_000) / 60);
      tracker.advance(m * 60_000);
    }
    // site a's gateway returns: its counters moved 5 kWh per inverter in the hour
    feed(fleet, 'a', 61 * 60_000, 20_000, 1_005_000);
    const lost = tracker.lost('x')!;
    expect(lost.reference).toBe('clear_sky');
    expect(lost.expectedWh).toBeCloseTo(100_000 * CLEAR_W_PER_W * 0.5, -2); // 40 kWh, not the clear sky's 80
    expect(lost.actualWh).toBe(10_000);
    expect(lost.lostWh).toBeCloseTo(30_000, -2);
  });

  it('one inverter tripped: expected is its rating times what its peer made per W', async () => {
    const fleet = new Fleet(1.5, (s, d) => registry.devices.get(deviceKey(s, d))?.ratedW ?? null);
    const tracker = new LossTracker(fleet, () => registry, clearSky);
    feed(fleet, 'a', 0, 30_000, 2_000_000);
    tracker.sync([alarm({ id: 't', kind: 'inverter_alarm', device: 'inv1' })]);
    for (let m = 1; m <= 30; m++) {
      fleet.addBatch({ schema: TELEMETRY_SCHEMA, site: 'a', gateway: 'gw1', seq: m, sentAt: m, readings: [
        { device: 'inv1', kind: 'inverter', ts: m * 60_000, ac_power_w: 0, ac_energy_wh: 2_000_000 },
        { device: 'inv2', kind: 'inverter', ts: m * 60_000, ac_power_w: 30_000, ac_energy_wh: 2_000_000 + m * 500 },
      ] }, m);
      tracker.advance(m * 60_000);
    }
    expect(tracker.lost('t')).toEqual({ expectedWh: 15_000, actualWh: 0, lostWh: 15_000, reference: 'peers' });
  });
});

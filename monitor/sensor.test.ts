import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { startBroker, type BrokerHandle } from '../broker/index.ts';
import { parseConfig } from '../common/config.ts';
import { TELEMETRY_SCHEMA, topics, type Reading } from '../common/contract.ts';
import { silentLogger } from '../common/log.ts';
import { openTestLedger, waitFor, type TestLedger } from '../common/testing/index.ts';
import { dayBounds } from '../common/time.ts';
import { MonitorConfig } from './config.ts';
import { computeDailyPerformance } from './performance.ts';
import { loadRegistry } from './registry.ts';
import type { Alarm } from './alarms/store.ts';
import { LossTracker } from './loss/tracker.ts';
import { deviceKey, type Registry } from './registry.ts';
import { startMonitor } from './service.ts';
import { Fleet } from './state.ts';

const stops: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0).reverse()) await s();
});

const RATED = 50_000;
const PF = 0.85; // the config's default performance factor
const NOON = Date.parse('2026-06-21T12:00:00+08:00');

describe('an irradiance sensor at a site', () => {
  it('is fresh for 2 cycles, and integrates into insolation only where its readings cover the time', () => {
    const fleet = new Fleet(1.5, () => RATED);
    const add = (ts: number, poa: number, cycle: number) =>
      fleet.addBatch({ schema: TELEMETRY_SCHEMA, site: 's', gateway: 'g', seq: cycle, sentAt: ts, readings: [{ device: 'inv1', kind: 'inverter', ts, poa_irradiance_w_m2: poa }] }, cycle);
    // one hour at 600 W/m2, a reading a minute, from noon
    for (let m = 0; m <= 60; m++) add(NOON + m * 60_000, 600, m);
    expect(fleet.sensorPoa('s', 62, 2)).toBe(600);
    expect(fleet.sensorPoa('s', 63, 2)).toBeUndefined();
    expect(fleet.sensorInsolation('s', NOON, NOON + 3_600_000)).toBeCloseTo(600, 6);
    // two hours asked, one covered: not enough to tell
    expect(fleet.sensorInsolation('s', NOON, NOON + 7_200_000)).toBeUndefined();
    expect(fleet.sensorInsolation('other', NOON, NOON + 3_600_000)).toBeUndefined();
    // a 20-minute gap is not bridged
    add(NOON + 80 * 60_000, 600, 80);
    expect(fleet.sensorInsolation('s', NOON, NOON + 5_400_000, 0)).toBeCloseTo(600, 6);
  });

  it('counts a lost span against the sensor only when the sensor was fresh at every step of it; else as before (no peer: the clear sky)', () => {
    const registry: Registry = {
      sites: new Map([['s', { id: 's', name: 's', capacityW: RATED, latitude: 24.78, longitude: 113.28, timeZone: 'Asia/Shanghai' }]]),
      devices: new Map([[deviceKey('s', 'inv1'), { site: 's', id: 'inv1', kind: 'inverter' as const, ratedW: RATED, revenueMeter: false }]]),
    };
    const alarm: Alarm = {
      id: 'a', key: 'k', kind: 'device_offline', severity: 'major', site: 's', device: 'inv1', gateway: 'gw1', message: '', details: {}, stopsGeneration: true, raisedAt: NOON,
      acknowledgedAt: null, acknowledgedBy: null, clearedAt: null, lostWh: 0, lostFen: 0, householdsFen: 0, companyFen: 0, households: 0,
    };
    const run = (freshUntil: number) => {
      const fleet = new Fleet(1.5, () => RATED);
      fleet.addBatch({ schema: TELEMETRY_SCHEMA, site: 's', gateway: 'gw1', seq: 0, sentAt: NOON, readings: [{ device: 'inv1', kind: 'inverter', ts: NOON, ac_energy_wh: 1_000_000 }] }, 0);
      let t = NOON;
      const sensorW = (_site: string, ratedW: number) => (t <= freshUntil ? ratedW * 0.6 * PF : undefined);
      const tracker = new LossTracker(fleet, () => registry, (_s, ratedW) => ratedW * 0.8, undefined, sensorW);
      tracker.sync([alarm]);
      for (let m = 1; m <= 60; m++) {
        t = NOON + m * 60_000;
        tracker.advance(t);
      }
      return tracker.lost('a')!;
    };
    // an hour dark under 600 W/m2: 50 kW x 0.6 x 0.85 = 25.5 kWh lost
    expect(run(Infinity)).toMatchObject({ reference: 'sensor', actualWh: 0 });
    expect(run(Infinity).expectedWh).toBeCloseTo(25_500, 6);
    // the sensor went quiet half way: the whole span falls back to the clear sky (80 % of rating here)
    const stale = run(NOON + 30 * 60_000);
    expect(stale.reference).toBe('clear_sky');
    expect(stale.expectedWh).toBeCloseTo(40_000, 6);
  });

  it("a lone inverter with a failed string is found, and its loss counted, against the site's sensor; the same inverter with no sensor and no peers raises nothing", async () => {
    const ledger: TestLedger = await openTestLedger('sqlite');
    stops.push(() => ledger.close());
    const db = ledger.db;
    for (const id of ['withsensor', 'plain']) {
      await db.q.insertInto('sites').values({ id, name: id, capacity_w: RATED, latitude: 24.78, longitude: 113.28 }).execute();
      await db.q.insertInto('devices').values({ site_id: id, id: 'inv1', kind: 'inverter', rated_power_w: RATED, revenue_meter: 0 }).execute();
    }
    const broker: BrokerHandle = await startBroker({ host: '127.0.0.1', port: 0, allowAnonymous: true, log: silentLogger });
    stops.push(() => broker.stop());
    let now = NOON;
    const monitor = await startMonitor(parseConfig({ mqtt: { url: broker.url, clientId: 'sensor-test' }, cycleMs: 600_000 }, MonitorConfig, 'test'), { db, now: () => now });
    stops.push(() => monitor.stop());
    const client = await mqtt.connectAsync(broker.url);
    stops.push(() => client.endAsync());

    const POA = 800;
    const expectedW = RATED * (POA / 1000) * PF; // 34 kW
    const energy = { withsensor: 1_000_000, plain: 1_000_000 };
    let seq = 0;
    let sent = 0;
    /** One minute of data time: both sites make `share` of what the sensor says, then one monitor cycle. */
    async function minute(share: number) {
      now += 60_000;
      const acW = expectedW * share;
      for (const site of ['withsensor', 'plain'] as const) {
        energy[site] += acW / 60;
        const reading: Reading = { device: 'inv1', kind: 'inverter', ts: now, ac_power_w: acW, ac_energy_wh: energy[site], state: 'mppt' };
        if (site === 'withsensor') reading.poa_irradiance_w_m2 = POA;
        await client.publishAsync(topics.telemetry(site, 'gw1'), JSON.stringify({ schema: TELEMETRY_SCHEMA, site, gateway: 'gw1', seq: seq++, sentAt: now, readings: [reading] }), { qos: 1 });
        sent++;
      }
      await waitFor(async () => monitor.stats().batches === sent, 'batches seen', 5000);
      return monitor.cycle();
    }

    for (let m = 0; m < 5; m++) await minute(1);
    // a failed string: half the power from here on
    const failedAt = now;
    let raisedAt: number | undefined;
    for (let m = 0; m < 40; m++) {
      const changes = await minute(0.5);
      const raised = changes.find((c) => c.type === 'raised');
      if (raised) raisedAt = raised.alarm.raisedAt;
    }
    expect(raisedAt, 'underperforming raised').toBeDefined();
    // raised after the configured 10 minutes of daylight below, not long after
    expect(raisedAt! - failedAt).toBeGreaterThanOrEqual(10 * 60_000);
    expect(raisedAt! - failedAt).toBeLessThanOrEqual(13 * 60_000);
    const repairedAt = now;
    for (let m = 0; m < 4; m++) await minute(1);

    const alarms = await db.q.selectFrom('alarms').select(['kind', 'site_id', 'device_id', 'message', 'cleared_at', 'lost_wh']).execute();
    expect(alarms.map((a) => [a.kind, a.site_id, a.device_id])).toEqual([['underperforming', 'withsensor', 'inv1']]);
    expect(alarms[0]!.message).toContain('irradiance sensor');
    expect(alarms[0]!.cleared_at).not.toBeNull();
    // lost: half of the sensor's expectation from the raise to the repair
    const trueLostWh = ((expectedW * 0.5) * (repairedAt - raisedAt!)) / 3_600_000;
    expect(Number(alarms[0]!.lost_wh)).toBeGreaterThan(trueLostWh * 0.95);
    expect(Number(alarms[0]!.lost_wh)).toBeLessThan(trueLostWh * 1.05);
  });

  it("the daily performance ratio of a site and its lone inverter against the sensor's insolation (reference 'sensor'); without one, the clear sky as before", async () => {
    const ledger: TestLedger = await openTestLedger('sqlite');
    stops.push(() => ledger.close());
    const db = ledger.db;
    for (const id of ['withsensor', 'plain']) {
      await db.q.insertInto('sites').values({ id, name: id, capacity_w: RATED, latitude: 24.78, longitude: 113.28 }).execute();
      await db.q.insertInto('devices').values({ site_id: id, id: 'inv1', kind: 'inverter', rated_power_w: RATED, revenue_meter: 0 }).execute();
      await db.q.insertInto('daily_energy').values({ site_id: id, device_id: 'inv1', counter: 'ac_energy_wh', day: '2026-06-21', revision: 1, energy_wh: 170_000, method: 'delta', computed_at: 'x' }).execute();
    }
    const day = dayBounds('2026-06-21', 'Asia/Shanghai');
    const asked: [number, number][] = [];
    // a cloudy day: 4 kWh/m2 on the plane
    const sensor = (site: string, from: number, to: number) => {
      asked.push([from, to]);
      return site === 'withsensor' ? 4000 : undefined;
    };
    const cfg = parseConfig({}, MonitorConfig, 'defaults').geometry;
    const rows = await computeDailyPerformance(db, await loadRegistry(db), cfg, '2026-06-21', undefined, sensor);
    expect(asked).toContainEqual([day.start, day.end]);
    const of = (site: string, device: string) => rows.find((r) => r.site === site && r.device === device)!;
    for (const device of ['', 'inv1']) {
      // 170 kWh from 50 kW under 4 kWh/m2: PR 0.85, expected 50 x 4 x 0.85 = 170 kWh
      expect(of('withsensor', device)).toMatchObject({ reference: 'sensor', insolationWhM2: 4000, expectedWh: 170_000 });
      expect(of('withsensor', device).pr).toBeCloseTo(0.85, 6);
    }
    expect(of('plain', '').reference).toBe('clear_sky');
    expect(of('plain', '').pr!).toBeLessThan(0.6); // the same day against a clear sky looks poor
  });

  it("the service integrates a day of sensor readings into the site's insolation, stores its PR against it, and raises site_low_pr when it is low", async () => {
    const ledger: TestLedger = await openTestLedger('sqlite');
    stops.push(() => ledger.close());
    const db = ledger.db;
    await db.q.insertInto('sites').values({ id: 'lone', name: 'lone', capacity_w: RATED, latitude: 24.78, longitude: 113.28 }).execute();
    await db.q.insertInto('devices').values({ site_id: 'lone', id: 'inv1', kind: 'inverter', rated_power_w: RATED, revenue_meter: 0 }).execute();
    // a sunny day on the plane, 06:00-18:00 local, a sine of 1000 W/m2 peak: 12 h x 1000 x 2/pi = 7,639 Wh/m2
    const day = dayBounds('2026-06-21', 'Asia/Shanghai');
    const poaAt = (t: number) => {
      const h = (t - day.start) / 3_600_000;
      return h > 6 && h < 18 ? 1000 * Math.sin((Math.PI * (h - 6)) / 12) : 0;
    };
    const insolation = (12 * 1000 * 2) / Math.PI;
    // the inverter made 40 % of rating x insolation: a broken site, on a sunny day
    await db.q.insertInto('daily_energy').values({ site_id: 'lone', device_id: 'inv1', counter: 'ac_energy_wh', day: '2026-06-21', revision: 1, energy_wh: Math.round(0.4 * RATED * (insolation / 1000)), method: 'delta', computed_at: 'x' }).execute();
    const broker: BrokerHandle = await startBroker({ host: '127.0.0.1', port: 0, allowAnonymous: true, log: silentLogger });
    stops.push(() => broker.stop());
    let now = day.start;
    const monitor = await startMonitor(parseConfig({ mqtt: { url: broker.url, clientId: 'sensor-day-test' }, cycleMs: 600_000 }, MonitorConfig, 'test'), { db, now: () => now });
    stops.push(() => monitor.stop());
    const client = await mqtt.connectAsync(broker.url);
    stops.push(() => client.endAsync());
    let seq = 0;
    for (let t = day.start; t <= day.end; t += 600_000) {
      const reading: Reading = { device: 'inv1', kind: 'inverter', ts: t, ac_power_w: 0, poa_irradiance_w_m2: Math.round(poaAt(t) * 10) / 10 };
      await client.publishAsync(topics.telemetry('lone', 'gw1'), JSON.stringify({ schema: TELEMETRY_SCHEMA, site: 'lone', gateway: 'gw1', seq: seq++, sentAt: t, readings: [reading] }), { qos: 1 });
    }
    await waitFor(async () => monitor.stats().batches === seq, 'the day received', 10_000);
    now = Date.parse('2026-06-22T00:40:00+08:00');
    await monitor.cycle();
    const rows = await db.q.selectFrom('performance_daily').select(['device_id', 'reference', 'insolation_wh_m2', 'pr']).orderBy('device_id').execute();
    expect(rows.map((r) => [r.device_id, r.reference])).toEqual([
      ['', 'sensor'],
      ['inv1', 'sensor'],
    ]);
    for (const r of rows) {
      expect(Number(r.insolation_wh_m2)).toBeGreaterThan(insolation * 0.99);
      expect(Number(r.insolation_wh_m2)).toBeLessThan(insolation * 1.01);
      expect(Number(r.pr)).toBeCloseTo(0.4, 2);
    }
    const alarms = await db.q.selectFrom('alarms').select(['kind', 'site_id']).execute();
    expect(alarms).toEqual([{ kind: 'site_low_pr', site_id: 'lone' }]);
  });
});

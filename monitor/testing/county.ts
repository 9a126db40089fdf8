import { STATUS_SCHEMA, TELEMETRY_SCHEMA, type Reading } from '../../common/contract.ts';
import { parseConfig } from '../../common/config.ts';
import { openTestLedger } from '../../common/testing/index.ts';
import { startSim, type Fault, type SimHandle } from '../../firmware-sim/index.ts';
import { loadAlarmMeanings } from '../alarm-meanings.ts';
import { AlarmEngine } from '../alarms/engine.ts';
import { MonitorConfig } from '../config.ts';
import { allDetectors, runDetectors } from '../detect/all.ts';
import { clearSkyEnergy, isDaylight } from '../expected.ts';
import { computeDailyPerformance } from '../performance.ts';
import { localDay } from '../../common/time.ts';
import { deviceKey, loadRegistry } from '../registry.ts';
import { Fleet } from '../state.ts';

/** A fault to inject into one device of one site (`site` counts from 0) at a simulated instant. */
export interface CountyFault {
  site: number;
  device: string;
  fault: Fault;
  /** ISO time, local to the site (as the simulator's start). */
  at: string;
}

export interface CountyRun {
  cycles: number;
  /** Every alarm raised, in order: data time, kind, site, device. */
  raisedAt: { t: number; kind: string; site: string; device: string | null }[];
  readings: number;
  raised: Record<string, number>;
  messages: string[];
  days: number;
  /** Site-days by the share of a clear day they made: overcast (< 35 %), partly cloudy (< 75 %), sunny. */
  siteDays: { overcast: number; partly: number; sunny: number };
  /**
   * Site-days whose performance ratio was taken against agreeing neighbours, and those below
   * sitePrMin (false site_low_pr alarms): with the config's nearbyMin, and with two neighbours.
   */
  sitePr: { againstNeighbours: number; low: number; twoNeighbours: { againstNeighbours: number; low: number } };
}

/**
 * A healthy county, fast: `sites` simulated sites (3 inverters of 50 kW and a
 * revenue meter each, their own seeded weather: sunny, partly cloudy and
 * overcast days), read every `stepMs` of simulated time straight from the
 * simulator's registers' truth into the monitor's detectors and alarm engine
 * (no Modbus or MQTT: a month in a minute). Counts every alarm raised.
 */
export async function runHealthyCounty(o: { sites: number; days: number; stepMs: number; start: string; seed: number; faults?: CountyFault[] }): Promise<CountyRun> {
  const faultsOf = (site: number, device: string) => (o.faults ?? []).filter((f) => f.site === site && f.device === device).map((f) => ({ fault: f.fault, at: f.at }));
  const ledger = await openTestLedger('sqlite');
  const sims: SimHandle[] = [];
  try {
    const db = ledger.db;
    const ids = Array.from({ length: o.sites }, (_, i) => `c${i + 1}`);
    for (const [i, id] of ids.entries()) {
      await db.q.insertInto('sites').values({ id, name: id, capacity_w: 150_000, latitude: 24.78 + i * 0.05, longitude: 113.28 + i * 0.05 }).execute();
      await db.q.insertInto('devices').values([...['inv1', 'inv2', 'inv3'].map((d) => ({ site_id: id, id: d, kind: 'inverter', rated_power_w: 50_000, revenue_meter: 0 })), { site_id: id, id: 'meter', kind: 'meter', rated_power_w: null, revenue_meter: 1 }]).execute();
      sims.push(
        await startSim({
          seed: o.seed + i,
          site: { id, latitude: 24.78 + i * 0.05, longitude: 113.28 + i * 0.05 },
          clock: { start: o.start, manual: true },
          tcp: { host: '127.0.0.1', port: 0 },
          control: { enabled: false },
          devices: [
            ...['inv1', 'inv2', 'inv3'].map((d, k) => ({ id: d, profile: 'sunspec', unitId: k + 1, ratedPowerW: 50_000, initialEnergyWh: 1_000_000, faults: faultsOf(i, d) })),
            { id: 'meter', profile: 'sunspec-meter', unitId: 100, initialEnergyWh: 1_000_000, faults: faultsOf(i, 'meter') },
          ],
        }),
      );
    }
    const config = parseConfig({ cycleMs: o.stepMs }, MonitorConfig, 'county monitor');
    const registry = await loadRegistry(db);
    const fleet = new Fleet(config.detect.counterJumpFactor, (s, d) => registry.devices.get(deviceKey(s, d))?.ratedW ?? null);
    const detectors = allDetectors(loadAlarmMeanings());
    const engine = new AlarmEngine(db, config.detect.clearCycles);
    const raised: Record<string, number> = {};
    const raisedAt: CountyRun['raisedAt'] = [];
    const messages: string[] = [];
    const siteDays = { overcast: 0, partly: 0, sunny: 0 };
    const dayStart = new Map<string, { t: number; wh: number }>();
    const stepsPerDay = Math.round(86_400_000 / o.stepMs);
    const devStart = new Map<string, number>();
    const sitePr = { againstNeighbours: 0, low: 0, twoNeighbours: { againstNeighbours: 0, low: 0 } };
    let readings = 0;
    const cycles = Math.round((o.days * 86_400_000) / o.stepMs);
    for (const [i, id] of ids.entries()) fleet.addStatus({ schema: STATUS_SCHEMA, site: id, gateway: 'gw1', online: true, ts: sims[i]!.clock.now() });
    for (let c = 1; c <= cycles; c++) {
      for (const [i, id] of ids.entries()) {
        const sim = sims[i]!;
        sim.advance(o.stepMs);
        const ts = sim.clock.now();
        const rs: Reading[] = sim.devices.map((d) => {
          const t = sim.truth(d.id);
          return t.kind === 'meter'
            ? { device: d.id, kind: 'meter', ts, ac_power_w: t.acPowerW, export_energy_wh: Math.round(t.exportWh!), import_energy_wh: Math.round(t.importWh!) }
            : { device: d.id, kind: 'inverter', ts, ac_power_w: Math.round(t.acPowerW), ac_energy_wh: Math.round(t.energyWh), state: t.state, alarms: t.alarms };
        });
        readings += rs.length;
        fleet.addBatch({ schema: TELEMETRY_SCHEMA, site: id, gateway: 'gw1', seq: c, sentAt: ts, readings: rs }, c);
        const inv = rs.filter((r) => r.kind === 'inverter').reduce((sum, r) => sum + (r.ac_energy_wh ?? 0), 0);
        if (c % stepsPerDay === 0) {
          // the day's energy per inverter, as ingest would settle it
          const day = localDay(ts - 1, registry.sites.get(id)!.timeZone);
          for (const r of rs.filter((x) => x.kind === 'inverter')) {
            const k = `${id}/${r.device}`;
            if (devStart.has(k)) await db.q.insertInto('daily_energy').values({ site_id: id, device_id: r.device, counter: 'ac_energy_wh', day, revision: 1, energy_wh: Math.max(0, r.ac_energy_wh! - devStart.get(k)!), method: 'delta', computed_at: 'county' }).execute();
            devStart.set(k, r.ac_energy_wh!);
          }
        } else if (c === 1) for (const r of rs.filter((x) => x.kind === 'inverter')) devStart.set(`${id}/${r.device}`, r.ac_energy_wh!);
        const begun = dayStart.get(id);
        if (!begun) dayStart.set(id, { t: ts, wh: inv });
        else if (c % stepsPerDay === 0) {
          const clear = clearSkyEnergy(registry.sites.get(id)!, config.geometry, 150_000, begun.t, ts).wh;
          const share = (inv - begun.wh) / clear;
          siteDays[share < 0.35 ? 'overcast' : share < 0.75 ? 'partly' : 'sunny']++;
          dayStart.set(id, { t: ts, wh: inv });
        }
      }
      const now = sims[0]!.clock.now();
      if (c % stepsPerDay === 0 && c > stepsPerDay - 1) {
        const day = localDay(now - 1, registry.sites.get(ids[0]!)!.timeZone);
        for (const [min, tally] of [[config.detect.nearbyMin, sitePr], [2, sitePr.twoNeighbours]] as const) {
          const rows = await computeDailyPerformance(db, registry, config.geometry, day, { km: config.detect.nearbyKm, agreement: config.detect.nearbyAgreement, min });
          for (const r of rows.filter((x) => x.device === '' && x.reference === 'peers')) {
            tally.againstNeighbours++;
            if (r.pr !== null && r.pr < config.detect.sitePrMin) {
              tally.low++;
              if (messages.length < 20) messages.push(`${day} ${r.site}: performance ratio ${r.pr.toFixed(2)} against ${min}+ neighbours`);
            }
          }
        }
      }
      const conditions = runDetectors(detectors, { fleet, registry, config: config.detect, cycle: c, daylight: (s, t) => isDaylight(registry.sites.get(s), t) }, (err) => messages.push(`detector failed: ${err.message}`));
      for (const change of await engine.step(conditions, now)) {
        if (change.type !== 'raised') continue;
        raisedAt.push({ t: now, kind: change.alarm.kind, site: change.alarm.site, device: change.alarm.device });
        raised[change.alarm.kind] = (raised[change.alarm.kind] ?? 0) + 1;
        if (messages.length < 20) messages.push(`${new Date(now).toISOString()} ${change.alarm.message}`);
      }
    }
    return { cycles, raisedAt, readings, raised, messages, days: o.days, siteDays, sitePr };
  } finally {
    for (const s of sims) await s.stop();
    await ledger.close();
  }
}

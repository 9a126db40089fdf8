import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type BrokerHandle } from '../../broker/index.ts';
import { addDays, DEFAULT_TIME_ZONE, localDay } from '../../common/index.ts';
import { openLedger, type Db } from '../../common/ledger/index.ts';
import { silentLogger } from '../../common/log.ts';
import { influxAvailable, socatAvailable, startInflux, startPtyPair, waitFor, type InfluxServer, type PtyPair } from '../../common/testing/index.ts';
import { startSim, type SimHandle } from '../../firmware-sim/index.ts';
import { startIngest, type IngestHandle } from '../../ingest/index.ts';
import { ingestConfig } from '../../ingest/testing/index.ts';
import { runSettlement } from '../../payout/index.ts';
import { seedRegistry } from '../../payout/testing/index.ts';
import { parseGatewayConfig } from '../config.ts';
import { startGateway, type GatewayHandle } from '../gateway.ts';
import { removeTestSpools, testConfig } from '../testing/config.ts';

/**
 * A village station end to end: two simulated inverters over Modbus TCP and the station's DL/T 645
 * export meter over a pty pair -> the gateway -> aedes -> ingest -> InfluxDB and daily energy in the
 * ledger -> settlement. The registry names the meter as the site's revenue meter, so the site is
 * paid for what the meter counted as exported (its reverse active energy), not for what the
 * inverters produced: the simulated meter sees their output less 3 % line and transformer losses
 * and the station's auxiliaries.
 */
const ADDRESS = '440232000017';
const SETTINGS = { baudRate: 2400, parity: 'even' } as const;

describe.skipIf(!socatAvailable() || !influxAvailable())('DL/T 645 revenue meter: simulator -> gateway -> broker -> ingest -> ledger -> settlement', () => {
  let dir: string;
  let pty: PtyPair;
  let sim: SimHandle;
  let influx: InfluxServer;
  let broker: BrokerHandle;
  let ingest: IngestHandle;
  let gateway: GatewayHandle;
  let db: Db;
  let site: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sunshare-dlt645-e2e-'));
    pty = await startPtyPair();
    sim = await startSim({
      seed: 17,
      clock: { start: '2026-06-21T10:00', manual: true },
      tcp: { host: '127.0.0.1', port: 0 },
      control: { enabled: false },
      devices: [
        { id: 'inv-1', profile: 'sunspec', unitId: 1, ratedPowerW: 30_000, initialEnergyWh: 41_000_000 }, // a SunSpec acc32 of 0 reads as not implemented
        { id: 'inv-2', profile: 'sunspec', unitId: 2, ratedPowerW: 30_000, initialEnergyWh: 39_500_000 },
        { id: 'grid-meter', profile: 'sunspec-meter', unitId: 100, lossFraction: 0.03, auxW: 400, initialEnergyWh: 123_456_780, initialImportWh: 2_345_670, dlt645: { path: pty.a, address: ADDRESS } },
      ],
    });
    influx = await startInflux();
    await influx.createDatabase('telemetry');
    broker = await startBroker({ host: '127.0.0.1', port: 0, allowAnonymous: true });

    const cfg = parseGatewayConfig(
      testConfig(broker.url, { pollIntervalMs: 60_000 }, [
        { id: 'inv-1', transport: 'tcp', host: '127.0.0.1', port: sim.ports[0], unit: 1, profile: 'sunspec' },
        { id: 'inv-2', transport: 'tcp', host: '127.0.0.1', port: sim.ports[0], unit: 2, profile: 'sunspec' },
        { id: 'grid-meter', protocol: 'dlt645', transport: 'rtu', path: pty.b, ...SETTINGS, profile: 'dlt645-meter', timeoutMs: 1500, dlt645: { address: ADDRESS } },
      ]),
    );
    site = cfg.site;
    const ledger = join(dir, 'ledger.sqlite');
    db = await openLedger(ledger);
    await seedRegistry(
      db,
      [{ id: site, name: 'Ruyuan village station', capacityW: 60_000, timeZone: DEFAULT_TIME_ZONE, devices: [{ id: 'inv-1', kind: 'inverter', ratedW: 30_000 }, { id: 'inv-2', kind: 'inverter', ratedW: 30_000 }, { id: 'grid-meter', kind: 'meter', revenueMeter: true }] }],
      { tariff: { from: '2020-01-01', gridRate: 45_300, subsidyRate: 52_700 }, households: { perSite: 3, shareW: 3000, from: '2020-01-01' } },
    );
    ingest = await startIngest(ingestConfig({ mqttUrl: broker.url, clientId: `ingest-${site}`, influxUrl: influx.url, database: 'telemetry', ledger }), { log: silentLogger });
    gateway = await startGateway(cfg, { log: silentLogger, manualCycles: true });
  }, 30_000);

  afterAll(async () => {
    await gateway?.stop();
    await ingest?.stop();
    await db?.close();
    await broker?.stop();
    await influx?.destroy();
    await sim?.stop();
    await pty?.close();
    removeTestSpools();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("settles the site on the meter's export counter difference, not on the inverters' sum", async () => {
    // five polls, the simulated sun moving 40 minutes between them (the readings keep the wall clock's ts)
    const cycles = 5;
    for (let k = 0; k < cycles; k++) {
      if (k > 0) sim.advance(40 * 60_000);
      await gateway.runCycle();
    }
    expect(gateway.stats().devices.map((d) => [d.device, d.ok]), JSON.stringify(gateway.stats().devices)).toEqual([
      ['inv-1', true],
      ['inv-2', true],
      ['grid-meter', true],
    ]);
    await waitFor(async () => (await ingest.stats()).readingsWritten === 3 * cycles, 'every reading written', 20_000);
    expect(await ingest.stats()).toMatchObject({ deadLetters: 0 });

    // what the meter published, as stored in InfluxDB: its export counter and the tariff split
    const meter = await influx.query(`SELECT "export_energy_wh", "export_energy_wh_t1", "export_energy_wh_t2", "export_energy_wh_t3", "export_energy_wh_t4" FROM "meter" WHERE "device" = 'grid-meter' ORDER BY time`, 'telemetry');
    const rows = meter.results[0]!.series![0]!.values as [string, number, number, number, number, number][];
    expect(rows).toHaveLength(cycles);
    const exported = rows.at(-1)![1] - rows[0]![1];
    const tariffSum = (r: (typeof rows)[number]) => r[2] + r[3] + r[4] + r[5];
    // the per-tariff counters reach InfluxDB too; four 0.01 kWh roundings against one
    expect(Math.abs(tariffSum(rows.at(-1)!) - rows.at(-1)![1])).toBeLessThanOrEqual(25);
    const inverters = await influx.query(`SELECT first("ac_energy_wh"), last("ac_energy_wh") FROM "inverter" GROUP BY "device"`, 'telemetry');
    const produced = inverters.results[0]!.series!.reduce((a, s) => a + Number(s.values[0]![2]) - Number(s.values[0]![1]), 0);
    expect(exported, 'the meter counted export').toBeGreaterThan(10_000);
    // losses and auxiliaries: the meter sees clearly less than the inverters made
    expect(produced - exported).toBeGreaterThan(0.02 * produced);

    // daily energy: the day(s) the readings fell in, closed as if the next morning had come
    const first = localDay(Date.parse(rows[0]![0]), DEFAULT_TIME_ZONE);
    const last = localDay(Date.parse(rows.at(-1)![0]), DEFAULT_TIME_ZONE);
    const tomorrow = Date.parse(`${addDays(last, 1)}T12:00:00Z`);
    await ingest.closeEnergyDays(tomorrow);
    const energy = await db.q.selectFrom('daily_energy').select(['device_id', 'counter', 'energy_wh']).where('site_id', '=', site).execute();
    const sumOf = (device: string, counter: string) => energy.filter((e) => e.device_id === device && e.counter === counter).reduce((a, e) => a + Number(e.energy_wh), 0);
    expect(sumOf('grid-meter', 'export_energy_wh')).toBe(exported);
    expect(energy.map((e) => e.counter), 'the tariff counters are not daily energy').not.toContain('export_energy_wh_t3');

    const run = await runSettlement(db, { from: first, to: last, sites: [site], now: new Date(tomorrow), lock: false });
    expect(run.skipped).toEqual([]);
    const settled = await db.q.selectFrom('settlements').select(['day', 'energy_wh', 'energy_source', 'revenue_fen']).where('site_id', '=', site).execute();
    const withEnergy = settled.filter((s) => Number(s.energy_wh) > 0);
    expect(withEnergy.length).toBeGreaterThan(0);
    expect(withEnergy.every((s) => s.energy_source === 'revenue_meter'), JSON.stringify(settled)).toBe(true);
    // the meter's counters are whole Wh and daily energy splits them exactly: no rounding between them
    const settledWh = settled.reduce((a, s) => a + Number(s.energy_wh), 0);
    expect(settledWh).toBe(exported);
    expect(Math.abs(settledWh - produced), "not the inverters' sum").toBeGreaterThan(0.02 * produced);
    const fen = settled.reduce((a, s) => a + Number(s.revenue_fen), 0);
    // 0.98 yuan/kWh; each day rounded to the fen
    expect(Math.abs(fen - (exported / 1000) * 98)).toBeLessThanOrEqual(settled.length);
  }, 40_000);
});

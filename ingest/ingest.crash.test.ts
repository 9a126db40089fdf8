import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type BrokerHandle } from '../broker/index.ts';
import type { Reading } from '../common/contract.ts';
import { openLedger, type Db } from '../common/ledger/index.ts';
import { influxAvailable, startInflux, waitFor, type InfluxServer } from '../common/testing/index.ts';
import { ReadRecorder, type LedgerRead } from './energy/record.ts';
import { closeEnergyDays } from './energy/close-days.ts';
import { dayBounds } from '../common/index.ts';
import { connectClient, countPoints, publishBatch, seedRegistry, telemetry, uid } from './testing/index.ts';

const TZ = 'Asia/Shanghai';
const MIN = 60_000;
const DEVICES = ['inv1', 'inv2', 'inv3', 'inv4', 'inv5'];
const START = dayBounds('2026-06-01', TZ).start;
const MINUTES = 2 * 24 * 60 + 60;

/** inv2's counter resets to zero at minute 1000, inv3 wraps at 2^32; the rest count plainly. */
function reading(device: string, minute: number): Reading {
  let wh = 1_000_000 + minute * 50;
  if (device === 'inv2' && minute >= 1000) wh = (minute - 1000) * 50;
  if (device === 'inv3') wh = (2 ** 32 - 30_000 + minute * 50) % 2 ** 32;
  return { device, kind: 'inverter', ts: START + minute * MIN, ac_energy_wh: wh, ac_power_w: 3000, serial: `SN-${device}` };
}

const rowsOf = (db: Db) =>
  db.all<Record<string, unknown>>('SELECT device_id, counter, day, revision, energy_wh, method, flags, first_ts, last_ts FROM daily_energy ORDER BY device_id, counter, day, revision');

describe.skipIf(!influxAvailable())('kill -9 of the ingest process mid-stream, then an InfluxDB outage', () => {
  const site = `crash-${uid()}`;
  const gw = 'gw1';
  let dir: string;
  let influx: InfluxServer;
  let broker: BrokerHandle;
  let gateway: MqttClient;
  let child: ChildProcess | undefined;
  let configFile: string;
  let ledger: string;

  const spawnIngest = () => {
    child = spawn(process.execPath, [join(import.meta.dirname, '../bin/sunshare.js'), 'ingest', '--config', configFile, '--log-level', 'warn'], { stdio: ['ignore', 'ignore', 'inherit'] });
    return child;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sunshare-crash-'));
    influx = await startInflux();
    await influx.createDatabase('tel');
    broker = await startBroker({ port: 0, host: '127.0.0.1', allowAnonymous: true, persistence: join(dir, 'broker') });
    ledger = join(dir, 'ledger.sqlite');
    const db = await openLedger(ledger);
    await seedRegistry(db, site, DEVICES.map((id) => ({ id, kind: 'inverter' as const })), TZ);
    await db.close();
    configFile = join(dir, 'ingest.yaml');
    writeFileSync(
      configFile,
      stringify({
        mqtt: { url: broker.url, clientId: `ingest-${uid()}`, sites: [site] },
        influx: { url: influx.url, database: 'tel' },
        ledger,
        batch: { maxWaitMs: 20, retryDelayMs: 100 },
        energy: { closeEveryMs: 0 },
        http: { port: 0 },
      }),
    );
    gateway = await connectClient(broker.url, { clientId: `gw-${uid()}` });
  });

  afterAll(async () => {
    child?.kill('SIGKILL');
    await gateway?.endAsync();
    await broker?.stop();
    await influx?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('afterwards every reading is in InfluxDB once and every day has the energy of an undisturbed run', async () => {
    const subscribed = new Promise<void>((r) => broker.aedes.once('subscribe', () => r()));
    const first = spawnIngest();
    await subscribed;
    const total = MINUTES * DEVICES.length;
    const stream = (async () => {
      for (let m = 0; m < MINUTES; m++) {
        await publishBatch(gateway, telemetry(site, gw, m, DEVICES.map((d) => reading(d, m)), START + m * MIN + 5000));
        if (m % 200 === 0) await new Promise((r) => setTimeout(r, 20));
      }
    })();
    await waitFor(async () => (await countPoints(influx, 'tel', 'inverter')) > total / 4, 'a quarter of the stream written', 60_000, 100);
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const atKill = await countPoints(influx, 'tel', 'inverter');
    expect(atKill).toBeLessThan(total);
    await stream;
    spawnIngest();
    // And InfluxDB goes away for a while during the catch-up.
    await waitFor(async () => (await countPoints(influx, 'tel', 'inverter')) > atKill, 'the restarted ingest writing', 60_000, 50);
    await influx.stop();
    await new Promise((r) => setTimeout(r, 1500));
    await influx.start();
    await waitFor(async () => (await countPoints(influx, 'tel', 'inverter')) >= total, 'the whole stream written after the restart', 90_000, 250);
    const perDevice = await influx.query('SELECT COUNT(ac_energy_wh) FROM inverter GROUP BY device', 'tel');
    expect(perDevice.results[0]?.series?.map((s) => s.values[0]?.[1])).toEqual(DEVICES.map(() => MINUTES));

    // The ledger's counter reads are complete once InfluxDB is and the ingest has stopped: a batch is acked only once both
    // have it, and SIGTERM finishes the batch being written.
    const disturbed = await openLedger(ledger);
    await waitFor(async () => ((await disturbed.get<{ n: number }>('SELECT COUNT(*) AS n FROM daily_energy_dirty'))?.n ?? 0) > 0, 'dirty days');
    child?.kill('SIGTERM');
    await new Promise((r) => child!.once('exit', r));
    const now = START + 4 * 24 * 60 * MIN;
    await closeEnergyDays(disturbed, { now, graceMs: 0, maxGapMs: 3_600_000, tzOf: () => TZ });

    const reference = await openLedger(':memory:');
    const recorder = new ReadRecorder({ graceMs: 0, markCacheMs: 0 });
    const reads: LedgerRead[] = [];
    for (let m = 0; m < MINUTES; m++) for (const d of DEVICES) {
      const r = reading(d, m);
      reads.push({ site, device: d, counter: 'ac_energy_wh', ts: r.ts, wh: r.ac_energy_wh!, serial: r.serial! });
    }
    await reference.transaction((tx) => recorder.record(tx, reads, () => TZ, now));
    await closeEnergyDays(reference, { now, graceMs: 0, maxGapMs: 3_600_000, tzOf: () => TZ });

    const want = await rowsOf(reference);
    expect(want.length).toBe(DEVICES.length * 3);
    expect(await rowsOf(disturbed)).toEqual(want);
    expect(want.filter((r) => r.device_id === 'inv2').map((r) => r.method)).toContain('reset');
    expect(want.filter((r) => r.device_id === 'inv3').map((r) => r.method)).toContain('rollover');
    const day1 = want.filter((r) => r.day === '2026-06-01' && r.device_id === 'inv1')[0];
    expect(day1?.energy_wh).toBe(24 * 60 * 50);
    await disturbed.close();
    await reference.close();
  });
});

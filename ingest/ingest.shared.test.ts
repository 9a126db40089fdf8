import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLedger } from '../common/ledger/index.ts';
import { silentLogger } from '../common/log.ts';
import {
  createPgDatabase,
  influxAvailable,
  postgresAvailable,
  startInflux,
  SYSTEM_MOSQUITTO_URL,
  systemMosquittoAvailable,
  waitFor,
  type InfluxServer,
  type PgDatabase,
} from '../common/testing/index.ts';
import { startIngest, type IngestHandle } from './index.ts';
import { connectClient, ingestConfig, inverterReading, pointKeys, publishBatch, seedRegistry, telemetry, uid } from './testing/index.ts';

const ready = influxAvailable() && (await systemMosquittoAvailable()) && (await postgresAvailable());

describe.skipIf(!ready)("two ingest instances on the machine's Mosquitto with a shared subscription", () => {
  const site = `shared-${uid()}`;
  const gw = 'gw1';
  const devices = ['inv1', 'inv2', 'inv3', 'inv4'];
  let influx: InfluxServer;
  let pg: PgDatabase;
  let a: IngestHandle;
  let b: IngestHandle;
  let gateway: MqttClient;

  beforeAll(async () => {
    influx = await startInflux();
    await influx.createDatabase('tel');
    pg = await createPgDatabase();
    const db = await openLedger(pg.url);
    await seedRegistry(db, site, devices.map((id) => ({ id, kind: 'inverter' as const })));
    await db.close();
    const group = `ingest-${uid()}`;
    // Only this test's site: other engineers' tests publish on the same broker.
    const cfg = (name: string) => ({ ...ingestConfig({ mqttUrl: SYSTEM_MOSQUITTO_URL, clientId: `${name}-${uid()}`, influxUrl: influx.url, database: 'tel', ledger: pg.url, sites: [site], sharedGroup: group }) });
    a = await startIngest(cfg('a'), { log: silentLogger });
    b = await startIngest(cfg('b'), { log: silentLogger });
    gateway = await connectClient(SYSTEM_MOSQUITTO_URL, { clientId: `gw-${uid()}` });
  });

  afterAll(async () => {
    await gateway?.endAsync();
    await a?.stop();
    await b?.stop();
    await influx?.destroy();
    await pg?.drop();
  });

  it('each message is handled by exactly one instance and every point arrives once', async () => {
    const t0 = Date.UTC(2026, 5, 1, 0, 0, 0);
    const expected = new Set<string>();
    const n = 400;
    for (let seq = 0; seq < n; seq++) {
      const ts = t0 + seq * 10_000;
      const readings = devices.map((d) => inverterReading(d, ts));
      readings.forEach((r) => expected.add(`${r.device}|${r.ts}`));
      await publishBatch(gateway, telemetry(site, gw, seq, readings, ts));
    }
    await waitFor(async () => (await a.stats()).messages + (await b.stats()).messages >= n, 'all messages handled', 30_000, 100);
    await waitFor(async () => (await a.stats()).readingsWritten + (await b.stats()).readingsWritten >= expected.size, 'all readings written', 30_000, 100);
    await new Promise((r) => setTimeout(r, 500));
    const sa = await a.stats();
    const sb = await b.stats();
    expect(sa.messages + sb.messages).toBe(n);
    expect(sa.messages).toBeGreaterThan(0);
    expect(sb.messages).toBeGreaterThan(0);
    const keys = await pointKeys(influx, 'tel', 'inverter');
    expect(keys.length).toBe(expected.size);
    expect(new Set(keys)).toEqual(expected);
  });
});

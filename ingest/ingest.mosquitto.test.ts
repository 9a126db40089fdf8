import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topics } from '../common/contract.ts';
import { openLedger } from '../common/ledger/index.ts';
import { silentLogger } from '../common/log.ts';
import { influxAvailable, mosquittoAvailable, startInflux, startMosquitto, waitFor, type InfluxServer, type MosquittoServer } from '../common/testing/index.ts';
import { startIngest, type IngestHandle } from './index.ts';
import { connectClient, countPoints, ingestConfig, inverterReading, pointKeys, publishBatch, seedRegistry, telemetry, uid } from './testing/index.ts';

/** broker/mosquitto.conf with this test's files in place of the production paths and listeners. */
function productionConf(dir: string, site: string, gateway: string): string {
  const passwd = join(dir, 'passwd');
  execFileSync('mosquitto_passwd', ['-c', '-b', passwd, 'ingest', 'in-pass']);
  execFileSync('mosquitto_passwd', ['-b', passwd, 'gw-user', 'gw-pass']);
  const acl = readFileSync(join(import.meta.dirname, '../broker/mosquitto.acl'), 'utf8').replace('user gw-ruyuan-01-a', 'user gw-user').replace('ruyuan-01/gw-a', `${site}/${gateway}`);
  writeFileSync(join(dir, 'acl'), acl);
  for (const f of ['passwd', 'acl']) chmodSync(join(dir, f), 0o644);
  const conf = readFileSync(join(import.meta.dirname, '../broker/mosquitto.conf'), 'utf8')
    .split('\n')
    .filter((l) => !/^(listener|certfile|keyfile|persistence_location|persistence |password_file|acl_file)/.test(l))
    .join('\n');
  return `${conf}\npassword_file ${passwd}\nacl_file ${join(dir, 'acl')}\n`;
}

describe.skipIf(!influxAvailable() || !mosquittoAvailable())('ingest through Mosquitto configured by broker/mosquitto.conf', () => {
  const site = `site-${uid()}`;
  const gw = 'gw1';
  const devices = Array.from({ length: 10 }, (_, i) => `inv${i}`);
  let dir: string;
  let influx: InfluxServer;
  let mosquitto: MosquittoServer;
  let ledger: string;
  let gateway: MqttClient;
  const clientId = `ingest-${uid()}`;
  const start = () =>
    startIngest(ingestConfig({ mqttUrl: mosquitto.url, clientId, influxUrl: influx.url, database: 'tel', ledger, username: 'ingest', password: 'in-pass' }), { log: silentLogger });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sunshare-ingest-mq-'));
    chmodSync(dir, 0o755);
    influx = await startInflux();
    await influx.createDatabase('tel');
    mosquitto = await startMosquitto(productionConf(dir, site, gw));
    ledger = join(dir, 'ledger.sqlite');
    const db = await openLedger(ledger);
    await seedRegistry(db, site, devices.map((id) => ({ id, kind: 'inverter' as const })));
    await db.close();
    gateway = await connectClient(mosquitto.url, { username: 'gw-user', password: 'gw-pass', clientId: `gw-${uid()}` });
  });

  afterAll(async () => {
    await gateway?.endAsync();
    await mosquitto?.destroy();
    await influx?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a 10,000-message burst queued for an offline ingest session arrives complete', async () => {
    // Register the persistent session, then go away while the gateway bursts.
    let ingest: IngestHandle = await start();
    await ingest.stop();
    const t0 = Date.UTC(2026, 5, 1, 0, 0, 0);
    const sends: Promise<void>[] = [];
    for (let seq = 0; seq < 10_000; seq++) {
      const ts = t0 + seq * 1000;
      sends.push(publishBatch(gateway, telemetry(site, gw, seq, [inverterReading(devices[seq % 10]!, ts)], ts)));
    }
    await Promise.all(sends);
    ingest = await start();
    await waitFor(async () => (await ingest.stats()).readingsWritten >= 10_000, '10,000 readings written', 60_000, 200);
    expect(await countPoints(influx, 'tel', 'inverter')).toBe(10_000);
    expect((await ingest.stats()).deadLetters).toBe(0);
    await ingest.stop();
  });

  it('stopping InfluxDB mid-stream loses nothing and duplicates nothing', async () => {
    const ingest = await start();
    const t0 = Date.UTC(2026, 5, 2, 0, 0, 0);
    const expected = new Set<string>();
    const publishSome = async (from: number, to: number) => {
      for (let seq = from; seq < to; seq++) {
        const ts = t0 + seq * 10_000;
        const readings = devices.map((d) => inverterReading(d, ts));
        readings.forEach((r) => expected.add(`${r.device}|${r.ts}`));
        await publishBatch(gateway, telemetry(site, gw, 20_000 + seq, readings, ts));
      }
    };
    await publishSome(0, 100);
    await influx.stop();
    await publishSome(100, 300);
    await new Promise((r) => setTimeout(r, 2000));
    expect((await ingest.stats()).writeFailures).toBeGreaterThan(0);
    await influx.start();
    await publishSome(300, 400);
    const where = `WHERE time >= '${new Date(t0).toISOString()}'`;
    await waitFor(async () => (await pointKeys(influx, 'tel', 'inverter', where)).length >= expected.size, 'every reading after the outage', 60_000, 250);
    const keys = await pointKeys(influx, 'tel', 'inverter', where);
    expect(keys.length).toBe(expected.size);
    expect(new Set(keys)).toEqual(expected);
    await ingest.stop();
  });

  it('the ACL keeps a gateway to its own topics', async () => {
    const ingest = await start();
    const before = (await ingest.stats()).messages;
    await gateway.publishAsync(topics.telemetry('other-site', gw), JSON.stringify(telemetry('other-site', gw, 1, [])), { qos: 1 });
    await publishBatch(gateway, telemetry(site, gw, 99_999, [inverterReading('inv0', Date.UTC(2026, 5, 3))]));
    await waitFor(async () => (await ingest.stats()).messages >= before + 1, 'own message');
    await new Promise((r) => setTimeout(r, 300));
    expect((await ingest.stats()).messages).toBe(before + 1);
    await ingest.stop();
  });
});

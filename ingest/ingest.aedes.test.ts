import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, hashPassword, type BrokerHandle } from '../broker/index.ts';
import { topics } from '../common/contract.ts';
import { openLedger } from '../common/ledger/index.ts';
import { silentLogger } from '../common/log.ts';
import { influxAvailable, startInflux, waitFor, type InfluxServer } from '../common/testing/index.ts';
import { startIngest, type IngestHandle } from './index.ts';
import { connectClient, ingestConfig, inverterReading, pointKeys, publishBatch, seedRegistry, telemetry, uid } from './testing/index.ts';

describe.skipIf(!influxAvailable())('ingest through aedes into the real InfluxDB', () => {
  const site = `site-${uid()}`;
  const gw = 'gw1';
  const devices = ['inv1', 'inv2', 'inv3'];
  let dir: string;
  let influx: InfluxServer;
  let broker: BrokerHandle;
  let ingest: IngestHandle;
  let gateway: MqttClient;
  let watcher: MqttClient;
  const deadLetters: { topic: string; body: { reason: string; problems: string[] } }[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sunshare-ingest-'));
    influx = await startInflux();
    await influx.createDatabase('telemetry');
    const users = [
      { username: 'gw', password: await hashPassword('gw-secret'), role: 'gateway' as const, site, gateway: gw },
      { username: 'ingest', password: await hashPassword('ingest-secret'), role: 'ingest' as const },
    ];
    broker = await startBroker({ port: 0, host: '127.0.0.1', users, persistence: join(dir, 'broker') });
    const ledger = join(dir, 'ledger.sqlite');
    const db = await openLedger(ledger);
    await seedRegistry(db, site, devices.map((id) => ({ id, kind: 'inverter' as const })));
    await db.close();
    ingest = await startIngest(
      {
        ...ingestConfig({ mqttUrl: broker.url, clientId: `ingest-${uid()}`, influxUrl: influx.url, database: 'telemetry', ledger, username: 'ingest', password: 'ingest-secret' }),
        http: { host: '127.0.0.1', port: 0 },
      },
      { log: silentLogger },
    );
    gateway = await connectClient(broker.url, { username: 'gw', password: 'gw-secret', clientId: `gw-${uid()}` });
    watcher = await connectClient(broker.url, { username: 'ingest', password: 'ingest-secret', clientId: `watch-${uid()}` });
    await watcher.subscribeAsync(`sunshare/v1/_deadletter/#`, { qos: 1 });
    watcher.on('message', (topic, payload) => deadLetters.push({ topic, body: JSON.parse(payload.toString()) as (typeof deadLetters)[number]['body'] }));
  });

  afterAll(async () => {
    await gateway?.endAsync();
    await watcher?.endAsync();
    await ingest?.stop();
    await broker?.stop();
    await influx?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes exactly the published points and dead-letters the bad ones, keeping their good neighbours', async () => {
    const t0 = Date.UTC(2026, 5, 1, 2, 0, 0);
    const expected = new Set<string>();
    for (let seq = 0; seq < 50; seq++) {
      const ts = t0 + seq * 10_000;
      const readings = devices.map((d) => inverterReading(d, ts));
      readings.forEach((r) => expected.add(`${r.device}|${r.ts}`));
      await publishBatch(gateway, telemetry(site, gw, seq, readings, ts + 500));
    }
    const topic = topics.telemetry(site, gw);
    await gateway.publishAsync(topic, 'not json {', { qos: 1 });
    await gateway.publishAsync(topic, JSON.stringify({ ...telemetry(site, gw, 50, []), schema: 'sunshare.telemetry/0' }), { qos: 1 });
    await gateway.publishAsync(topic, JSON.stringify({ ...telemetry(site, gw, 51, []), seq: undefined }), { qos: 1 });
    // One batch with a good reading between an unknown device and an absurd value.
    const good = inverterReading('inv1', t0 + 999_000);
    expected.add(`inv1|${good.ts}`);
    await publishBatch(gateway, telemetry(site, gw, 52, [inverterReading('ghost', t0), good, { ...inverterReading('inv2', t0 + 999_000), ac_voltage_v: -5 }]));

    await waitFor(async () => (await ingest.stats()).readingsWritten === expected.size, 'all good readings written', 20_000);
    await waitFor(async () => deadLetters.length === 5, 'five dead letters', 10_000);
    const keys = await pointKeys(influx, 'telemetry', 'inverter');
    expect(keys.length).toBe(expected.size);
    expect(new Set(keys)).toEqual(expected);
    expect(deadLetters.map((d) => d.body.reason).sort()).toEqual(['invalid', 'invalid', 'not_json', 'unknown_device', 'wrong_schema']);
    expect(deadLetters.every((d) => d.topic === topics.deadLetter(site, gw))).toBe(true);
    const invalid = deadLetters.filter((d) => d.body.reason === 'invalid').flatMap((d) => d.body.problems);
    expect(invalid.some((p) => p.startsWith('/seq'))).toBe(true);
    expect(invalid.some((p) => p.startsWith('/readings/2/ac_voltage_v'))).toBe(true);
    const batches = await influx.query('SELECT COUNT(seq) FROM gateway_batch', 'telemetry');
    expect(batches.results[0]?.series?.[0]?.values[0]?.[1]).toBe(51);
    const metrics = await (await fetch(`http://127.0.0.1:${ingest.httpPort}/metrics`)).text();
    expect(metrics).toMatch(/sunshare_ingest_dead_letters_total\{reason="not_json"\} 1/);
    expect(metrics).toMatch(new RegExp(`sunshare_ingest_readings_written_total ${expected.size}`));
    expect(metrics).toMatch(/sunshare_ingest_write_seconds_count [1-9]/);
    const health = await fetch(`http://127.0.0.1:${ingest.httpPort}/health`);
    expect(health.status).toBe(200);
    expect(((await health.json()) as { mqtt: { connected: boolean } }).mqtt.connected).toBe(true);
  });

  it('counts batches from a gateway whose clock is ahead, and keeps their readings', async () => {
    const ahead = Date.now() + 600_000; // ten minutes ahead: impossible for a batch that has already arrived
    const reading = inverterReading('inv3', ahead);
    await publishBatch(gateway, telemetry(site, gw, 60, [reading], ahead));
    const onTime = inverterReading('inv3', Date.now());
    await publishBatch(gateway, telemetry(site, gw, 61, [onTime], Date.now() + 2_000)); // within tolerance
    const stored = async (ts: number) => (await pointKeys(influx, 'telemetry', 'inverter', `WHERE time = ${ts}ms`)).length === 1;
    await waitFor(async () => (await stored(reading.ts)) && (await stored(onTime.ts)), 'both readings stored', 10_000);
    const metrics = await (await fetch(`http://127.0.0.1:${ingest.httpPort}/metrics`)).text();
    expect(metrics).toMatch(/sunshare_ingest_batches_clock_ahead_total 1\n/);
  });

  it('refuses unknown clients and enforces the ACL', async () => {
    const before = broker.stats().refusedConnections;
    await expect(connectClient(broker.url, { username: 'gw', password: 'wrong', clientId: `bad-${uid()}`, reconnectPeriod: 0 })).rejects.toThrow();
    await expect(connectClient(broker.url, { clientId: `anon-${uid()}`, reconnectPeriod: 0 })).rejects.toThrow();
    expect(broker.stats().refusedConnections).toBe(before + 2);
    await expect(gateway.subscribeAsync('sunshare/v1/#', { qos: 1 })).rejects.toThrow(/Subscribe error/);
    expect(broker.stats().deniedSubscriptions).toBe(1);
    const denied = broker.stats().deniedPublishes;
    // Another site's topic: aedes drops the publish (MQTT 3.1.1 has no negative PUBACK) and counts it.
    await gateway.publishAsync(topics.telemetry('other-site', gw), '{}', { qos: 0 });
    await waitFor(async () => broker.stats().deniedPublishes === denied + 1, 'publish denied');
  });
});

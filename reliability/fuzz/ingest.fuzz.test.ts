import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topics, type Reading } from '../../common/contract.ts';
import { openLedger } from '../../common/ledger/index.ts';
import { createLogger, silentLogger } from '../../common/log.ts';
import { influxAvailable, startInflux, waitFor, type InfluxServer } from '../../common/testing/index.ts';
import { startBroker, type BrokerHandle } from '../../broker/index.ts';
import { startIngest, type IngestHandle } from '../../ingest/index.ts';
import { connectClient, ingestConfig, inverterReading, pointKeys, publishBatch, seedRegistry, telemetry, uid } from '../../ingest/testing/index.ts';
import { hostileMessage, type HostileContext, type HostileMessage } from './hostile-payloads.ts';

const SEED = 20_261_128;
const HOSTILE_CASES = Number(process.env.FUZZ_CASES ?? 400);
const VALID_BATCHES = 200;

describe.skipIf(!influxAvailable())('ingest under hostile MQTT payloads mixed into real traffic', () => {
  const site = `fz-${uid()}`;
  const devices = Array.from({ length: 5 }, (_, i) => `inv${i}`);
  let dir: string;
  let influx: InfluxServer;
  let broker: BrokerHandle;
  let ingest: IngestHandle;
  let client: MqttClient;
  let watcher: MqttClient;
  const deadLetters: { topic: string; body: { reason: string; problems: string[] } }[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sunshare-fuzz-ingest-'));
    influx = await startInflux();
    await influx.createDatabase('fz');
    broker = await startBroker({ host: '127.0.0.1', port: 0, allowAnonymous: true });
    const ledger = join(dir, 'ledger.sqlite');
    const db = await openLedger(ledger);
    await seedRegistry(db, site, devices.map((id) => ({ id, kind: 'inverter' as const })));
    await db.close();
    ingest = await startIngest(ingestConfig({ mqttUrl: broker.url, clientId: `ingest-${uid()}`, influxUrl: influx.url, database: 'fz', ledger }), { log: process.env.FUZZ_LOG ? createLogger('ingest', 'warn') : silentLogger });
    watcher = await connectClient(broker.url, { clientId: `watch-${uid()}` });
    await watcher.subscribeAsync(`sunshare/v1/_deadletter/${site}/#`, { qos: 1 });
    watcher.on('message', (topic, payload) => deadLetters.push({ topic, body: JSON.parse(payload.toString()) as { reason: string; problems: string[] } }));
    client = await connectClient(broker.url, { clientId: `fuzzer-${uid()}` });
  });

  afterAll(async () => {
    await client?.endAsync();
    await watcher?.endAsync();
    await ingest?.stop();
    await broker?.stop();
    await influx?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it(`rejects ${HOSTILE_CASES} hostile messages with reasons, keeps every valid reading, and stays up`, async () => {
    let ts = Date.now() - 3_600_000;
    const ctx: HostileContext = { site, gateway: 'fz0', devices, now: Date.now(), nextTs: () => (ts += 7) };
    const arb = hostileMessage(() => ctx);
    const hostile: { gateway: string; msg: HostileMessage }[] = [];
    for (let i = 0; i < HOSTILE_CASES; i++) {
      ctx.gateway = `fz${i}`;
      hostile.push({ gateway: ctx.gateway, msg: fc.sample(arb, { seed: SEED + i, numRuns: 1 })[0]! });
    }
    const expected = new Set<string>();
    const heapBefore = process.memoryUsage().heapUsed;
    // Valid batches from a well-behaved gateway, interleaved with the hostile ones.
    let seq = 0;
    const sends: Promise<unknown>[] = [];
    for (let i = 0; i < Math.max(HOSTILE_CASES, VALID_BATCHES); i++) {
      if (i < VALID_BATCHES) {
        const readings: Reading[] = devices.map((d) => inverterReading(d, (ts += 7)));
        readings.forEach((r) => expected.add(`${r.device}|${r.ts}`));
        sends.push(publishBatch(client, telemetry(site, 'gw-valid', seq++, readings)));
      }
      const h = hostile[i];
      if (h) {
        h.msg.good.forEach((r) => expected.add(`${r.device}|${r.ts}`));
        sends.push(client.publishAsync(topics.telemetry(site, h.gateway), h.msg.payload, { qos: 1 }));
      }
    }
    await Promise.all(sends);
    const total = VALID_BATCHES + HOSTILE_CASES;
    await waitFor(async () => (await ingest.stats()).messages >= total && (await ingest.stats()).pending === 0, 'every message processed', 50_000, 100).catch(async (err: Error) => {
      throw new Error(`${err.message}: ${JSON.stringify(await ingest.stats())} of ${total}`);
    });
    await waitFor(async () => (await pointKeys(influx, 'fz', 'inverter')).length >= expected.size, 'every valid reading in InfluxDB', 20_000, 200);

    const keys = await pointKeys(influx, 'fz', 'inverter');
    expect(keys.length).toBe(expected.size);
    expect(new Set(keys)).toEqual(expected);

    // Every hostile message was explained on its own dead-letter topic, with a reason and problems.
    const stats = await ingest.stats();
    await waitFor(async () => deadLetters.length >= stats.deadLetters, 'dead letters delivered', 10_000);
    expect(deadLetters.length).toBe(stats.deadLetters);
    const byGateway = new Map<string, { reason: string; problems: string[] }[]>();
    for (const d of deadLetters) {
      const gw = d.topic.split('/').at(-1)!;
      byGateway.set(gw, [...(byGateway.get(gw) ?? []), d.body]);
    }
    const unexplained = hostile.filter((h) => !(byGateway.get(h.gateway) ?? []).some((d) => d.reason && d.problems.length > 0 && d.problems.every((p) => p.includes(':'))));
    expect(unexplained.map((h) => `${h.gateway} ${h.msg.kind}: ${h.msg.payload.toString().slice(0, 120)}`)).toEqual([]);
    expect(byGateway.has('gw-valid')).toBe(false);
    expect(stats.writeFailures).toBe(0);

    const kinds = new Map<string, number>();
    for (const h of hostile) kinds.set(h.msg.kind, (kinds.get(h.msg.kind) ?? 0) + 1);
    const heapGrowthMb = (process.memoryUsage().heapUsed - heapBefore) / 1e6;
    console.log(JSON.stringify({ fuzz: 'ingest.mqtt_payloads', seed: SEED, cases: HOSTILE_CASES, valid_batches: VALID_BATCHES, dead_letters: stats.deadLetters, heap_growth_mb: Math.round(heapGrowthMb), kinds: Object.fromEntries(kinds) }));
    expect(heapGrowthMb).toBeLessThan(300);
  });
});

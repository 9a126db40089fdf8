import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type BrokerHandle } from '../broker/index.ts';
import { topics, type Reading } from '../common/contract.ts';
import { isSunshareError } from '../common/errors.ts';
import { openLedger, type Db } from '../common/ledger/index.ts';
import { silentLogger } from '../common/log.ts';
import { influxAvailable, startInflux, waitFor, type InfluxServer } from '../common/testing/index.ts';
import { runReplayCommand } from './dead-letters/command.ts';
import { listDeadLetters } from './dead-letters/store.ts';
import { startIngest, type IngestHandle } from './index.ts';
import type { IngestConfig } from './config.ts';
import { connectClient, ingestConfig, inverterReading, pointKeys, publishBatch, seedRegistry, telemetry, uid } from './testing/index.ts';

/** Edges of ingest against real servers: late registration and replay, a poison message, a missing database, health and gauges in an outage. */
describe.skipIf(!influxAvailable())('ingest at its edges (aedes, InfluxDB 1.6, SQLite ledger)', () => {
  let dir: string;
  let influx: InfluxServer;
  let broker: BrokerHandle;
  let gateway: MqttClient;
  let ledger: string;
  let db: Db;
  const running: IngestHandle[] = [];

  const start = async (database: string, more: (c: IngestConfig) => void = () => undefined) => {
    const config = ingestConfig({ mqttUrl: broker.url, clientId: `ingest-${uid()}`, influxUrl: influx.url, database, ledger });
    more(config);
    const ingest = await startIngest(config, { log: silentLogger });
    running.push(ingest);
    return ingest;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sunshare-edges-'));
    influx = await startInflux();
    broker = await startBroker({ host: '127.0.0.1', port: 0, allowAnonymous: true });
    ledger = join(dir, 'ledger.sqlite');
    db = await openLedger(ledger);
    gateway = await connectClient(broker.url, { clientId: `gw-${uid()}` });
  });

  afterAll(async () => {
    for (const i of running) await i.stop().catch(() => undefined);
    await gateway?.endAsync();
    await db?.close();
    await broker?.stop();
    await influx?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a device registered 5 s after its first readings, plus a replay, leaves every reading in InfluxDB exactly once', async () => {
    const site = `late-${uid()}`;
    await seedRegistry(db, site, [{ id: 'inv1', kind: 'inverter' }]);
    const ingest = await start('late', (c) => {
      c.mqtt.sites = [site];
      c.registryReloadMinMs = 1000;
      c.deadLetters.replayPollMs = 200;
    });
    const sent: Reading[] = [];
    const t0 = Date.now();
    let registeredAt = 0;
    let early: Awaited<ReturnType<typeof runReplayCommand>> | undefined;
    for (let seq = 0; Date.now() - t0 < 7500; seq++) {
      if (!early && Date.now() - t0 >= 2000) {
        // A replay before the device is registered is refused again, recorded as `dead`, and may be replayed later.
        early = await runReplayCommand({ ledger, reason: 'unknown_device', site, wait: 5 });
      }
      const readings = ['inv1', 'inv2'].map((d) => inverterReading(d, t0 - 60_000 + seq * 1000));
      sent.push(...readings);
      await publishBatch(gateway, telemetry(site, 'gw1', seq, readings));
      if (!registeredAt && Date.now() - t0 >= 5000) {
        // Test code writes the row directly (the registry's own writer is payout's; ingest only reads it).
        await db.q.insertInto('devices').values({ site_id: site, id: 'inv2', kind: 'inverter' }).execute();
        registeredAt = Date.now();
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    await waitFor(async () => (await ingest.stats()).pending === 0 && (await ingest.stats()).messages >= sent.length / 2, 'every message handled');
    const inv2 = sent.filter((r) => r.device === 'inv2');
    const letters = await listDeadLetters(db, { site, reason: 'unknown_device', limit: 1000 });
    // The readings before the registration were dead-lettered and kept; those after it were written at once
    // (the registry is reloaded when a message names an unknown device, at most once a second here).
    expect(letters.total).toBeGreaterThan(0);
    expect(letters.total).toBeLessThan(inv2.length);
    expect(letters.items.every((l) => l.error.includes('inv2 is not a device of site'))).toBe(true);
    const before = await pointKeys(influx, 'late', 'inverter', `WHERE device = 'inv2'`);
    expect(before.length).toBe(inv2.length - letters.total);

    const replay = await runReplayCommand({ ledger, reason: 'unknown_device', site, wait: 30 });
    expect(replay.failed).toBe(false);
    expect(replay.text).toContain(`${letters.total} queued for replay`);
    const keys = await pointKeys(influx, 'late', 'inverter', `WHERE device = 'inv2'`);
    expect(keys.length).toBe(inv2.length);
    expect(new Set(keys)).toEqual(new Set(inv2.map((r) => `inv2|${r.ts}`)));
    expect((await pointKeys(influx, 'late', 'inverter', `WHERE device = 'inv1'`)).length).toBe(inv2.length);

    // A second replay of the same letters does nothing: each is marked written.
    const again = await runReplayCommand({ ledger, reason: 'unknown_device', site });
    expect(again.text).toContain('0 queued');
    expect(again.text).toContain('skipped: already replayed');
    expect(early?.failed).toBe(true);
    expect(early?.text).toMatch(/ dead: \/readings\/1\/device: inv2 is not a device/);
    const marked = await listDeadLetters(db, { site, reason: 'unknown_device', limit: 1000 });
    expect(marked.items.every((l) => l.replays.at(-1)!.outcome === 'written')).toBe(true);
    expect(marked.items.filter((l) => l.replays.length === 2).every((l) => l.replays[0]!.outcome === 'dead')).toBe(true);
    expect(marked.items.some((l) => l.replays.length === 2)).toBe(true);
  }, 60_000);

  it('a message that cannot be written while both stores work is dead-lettered as internal; the messages behind it are written', async () => {
    const bad = `badtz-${uid()}`;
    const good = `goodtz-${uid()}`;
    await seedRegistry(db, bad, [{ id: 'inv1', kind: 'inverter' }]);
    await seedRegistry(db, good, [{ id: 'inv1', kind: 'inverter' }]);
    // A registry row past every check (as issue 13 found the API could write): no such time zone.
    await db.run("UPDATE sites SET time_zone = 'Mars/Olympus' WHERE id = ?", [bad]);
    const ingest = await start('poison', (c) => (c.mqtt.sites = [bad, good]));
    const ts = Date.now() - 60_000;
    await publishBatch(gateway, telemetry(bad, 'gw1', 0, [inverterReading('inv1', ts)]));
    for (let i = 0; i < 20; i++) await publishBatch(gateway, telemetry(good, 'gw1', i, [inverterReading('inv1', ts + i * 1000)]));
    await waitFor(async () => (await pointKeys(influx, 'poison', 'inverter', `WHERE site = '${good}'`)).length === 20, 'the good site written', 30_000, 100);
    await waitFor(async () => (await ingest.stats()).pending === 0, 'nothing pending', 30_000);
    const letters = await listDeadLetters(db, { site: bad });
    expect(letters.items.map((l) => l.reason)).toEqual(['internal']);
    expect(letters.items[0]!.error).toMatch(/Mars\/Olympus|time zone/i);
    expect(letters.items[0]!.topic).toBe(topics.telemetry(bad, 'gw1'));
    // Its ledger part never committed; InfluxDB (written at the same time) may hold its points, which a replay would only overwrite.
    expect(await db.all('SELECT * FROM counter_reads WHERE site_id = ?', [bad])).toEqual([]);
    const metrics = await ingest.metrics.registry.getSingleMetricAsString('sunshare_ingest_dead_letters_total');
    expect(metrics).toMatch(/reason="internal"} 1/);
  }, 60_000);

  it('publishes a dead letter with the rejected value up to 64 KiB, a bigger one without it; the ledger keeps the whole payload', async () => {
    const site = `big-${uid()}`;
    await seedRegistry(db, site, [{ id: 'inv1', kind: 'inverter' }]);
    await start('big', (c) => (c.mqtt.sites = [site]));
    const watcher = await connectClient(broker.url, { clientId: `watch-${uid()}` });
    const bodies: { reason: string; problems: string[]; rejected: unknown }[] = [];
    watcher.on('message', (_t, p) => bodies.push(JSON.parse(p.toString()) as (typeof bodies)[number]));
    await watcher.subscribeAsync(topics.deadLetter(site, 'gw1'), { qos: 1 });
    try {
      const small = { ...telemetry(site, 'gw1', 0, []), extra: 'x'.repeat(1000) };
      const big = { ...telemetry(site, 'gw1', 1, []), extra: 'x'.repeat(100_000) };
      await gateway.publishAsync(topics.telemetry(site, 'gw1'), JSON.stringify(small), { qos: 1 });
      await gateway.publishAsync(topics.telemetry(site, 'gw1'), JSON.stringify(big), { qos: 1 });
      await waitFor(async () => bodies.length === 2, 'two dead letters published');
      expect(bodies[0]!.rejected).toEqual(small);
      expect(bodies[1]!.rejected).toMatch(/^\(not shown: \d+ characters; the ledger's dead_letters keeps the payload\)$/);
      expect(bodies[1]!.problems).toEqual(['/extra: Unexpected property']);
      const kept = await listDeadLetters(db, { site });
      expect(kept.items.map((l) => l.payload.toString())).toEqual([JSON.stringify(small), JSON.stringify(big)]);
    } finally {
      await watcher.endAsync();
    }
  });

  it('creates its InfluxDB 1.x database when it is missing', async () => {
    const name = `fresh_${uid()}`;
    expect(JSON.stringify(await influx.query('SHOW DATABASES'))).not.toContain(name);
    const site = `fresh-${uid()}`;
    await seedRegistry(db, site, [{ id: 'inv1', kind: 'inverter' }]);
    await start(name, (c) => (c.mqtt.sites = [site]));
    expect(JSON.stringify(await influx.query('SHOW DATABASES'))).toContain(name);
    await publishBatch(gateway, telemetry(site, 'gw1', 0, [inverterReading('inv1', Date.now() - 1000)]));
    await waitFor(async () => (await pointKeys(influx, name, 'inverter')).length === 1, 'the reading in the new database');
  });

  it('refuses to start, naming the database, when InfluxDB will not create it', async () => {
    const err = await start('tele/metry').catch((e: unknown) => e);
    expect(isSunshareError(err) && err.code).toBe('INFLUX_DATABASE_MISSING');
    expect((err as Error).message).toContain('"tele/metry"');
    expect((err as Error).message).toContain('invalid name');
  });

  it('starts while InfluxDB is down, then creates its database and writes once it answers; recreates a database dropped under it', async () => {
    const name = `late_${uid()}`;
    const site = `down-${uid()}`;
    await seedRegistry(db, site, [{ id: 'inv1', kind: 'inverter' }]);
    await influx.stop();
    let ingest: IngestHandle;
    try {
      ingest = await start(name, (c) => {
        c.mqtt.sites = [site];
        c.influx.maxRetries = 0;
        c.influx.timeoutMs = 1000;
      });
      await publishBatch(gateway, telemetry(site, 'gw1', 0, [inverterReading('inv1', Date.now() - 2000)]));
    } finally {
      await influx.start();
    }
    await waitFor(async () => (await pointKeys(influx, name, 'inverter')).length === 1, 'the reading written once InfluxDB answers', 30_000, 200);
    await influx.query(`DROP DATABASE "${name}"`);
    await publishBatch(gateway, telemetry(site, 'gw1', 1, [inverterReading('inv1', Date.now() - 1000)]));
    await waitFor(async () => JSON.stringify(await influx.query('SHOW DATABASES')).includes(name) && (await pointKeys(influx, name, 'inverter')).length === 1, 'the database recreated and the new reading in it', 30_000, 200);
    expect((await ingest.stats()).pending).toBe(0);
  }, 60_000);

  it('starts when InfluxDB refuses its user (it cannot tell whether the database exists): the writes fail and /health says so', async () => {
    // Stands for an InfluxDB with authentication and a wrong password: 401 to every write, 204 to /ping.
    const refusing = createHttpServer((req, res) => {
      req.resume();
      if (req.url?.startsWith('/ping')) return void res.writeHead(204).end();
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"authorization failed"}');
    });
    await new Promise<void>((r) => refusing.listen(0, '127.0.0.1', r));
    try {
      const site = `auth-${uid()}`;
      await seedRegistry(db, site, [{ id: 'inv1', kind: 'inverter' }]);
      const config = ingestConfig({ mqttUrl: broker.url, clientId: `ingest-${uid()}`, influxUrl: `http://127.0.0.1:${(refusing.address() as AddressInfo).port}`, database: 'auth', ledger, sites: [site] });
      config.http = { host: '127.0.0.1', port: 0 };
      config.influx.maxRetries = 0;
      const ingest = await startIngest(config, { log: silentLogger });
      running.push(ingest);
      await publishBatch(gateway, telemetry(site, 'gw1', 0, [inverterReading('inv1', Date.now() - 1000)]));
      const url = `http://127.0.0.1:${ingest.httpPort}/health`;
      await waitFor(async () => (await fetch(url)).status === 503, '/health 503');
      const h = (await (await fetch(url)).json()) as { writes: { lastError: string | null }; mqtt: { pending: number } };
      expect(h.writes.lastError).toMatch(/authorization failed|401/);
      expect(h.mqtt.pending).toBe(1);
    } finally {
      refusing.closeAllConnections();
      refusing.close();
    }
  });

  it('/health is 503 while a message waits longer than health.maxPendingAgeMs, even with no write failed yet', async () => {
    // An "InfluxDB" that accepts connections and never answers: nothing fails for seconds (its timeout), the message just waits.
    const sockets = new Set<Socket>();
    const silent = createServer((sock) => void sockets.add(sock));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const site = `slow-${uid()}`;
    await seedRegistry(db, site, [{ id: 'inv1', kind: 'inverter' }]);
    const config = ingestConfig({ mqttUrl: broker.url, clientId: `ingest-${uid()}`, influxUrl: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`, database: 'slow', ledger, sites: [site] });
    config.influx.timeoutMs = 3000;
    config.http = { host: '127.0.0.1', port: 0 };
    config.health.maxPendingAgeMs = 500;
    const starting = startIngest(config, { log: silentLogger }); // its database check waits on the silent server
    try {
      const ingest = await Promise.race([starting, new Promise<undefined>((r) => setTimeout(() => r(undefined), 10_000))]);
      expect(ingest).toBeDefined();
      running.push(ingest!);
      const url = `http://127.0.0.1:${ingest!.httpPort}/health`;
      expect((await fetch(url)).status).toBe(200);
      await publishBatch(gateway, telemetry(site, 'gw1', 0, [inverterReading('inv1', Date.now() - 1000)]));
      await waitFor(async () => (await fetch(url)).status === 503, '/health 503', 10_000, 100);
      const h = (await (await fetch(url)).json()) as { mqtt: { pending: number; oldestPendingMs: number }; writes: { lastError: string | null }; influx: { lastError: string | null } };
      expect(h.mqtt.pending).toBe(1);
      expect(h.mqtt.oldestPendingMs).toBeGreaterThan(500);
      expect(h.writes.lastError).toBeNull();
      expect(h.influx.lastError).toBeNull();
    } finally {
      for (const sock of sockets) sock.destroy();
      silent.close();
    }
  }, 90_000);

  it('while InfluxDB is down /health is 503 and the pending gauge equals its pending at every scrape; both recover', async () => {
    const site = `out-${uid()}`;
    await seedRegistry(db, site, [{ id: 'inv1', kind: 'inverter' }]);
    const ingest = await start('outage', (c) => {
      c.mqtt.sites = [site];
      c.http = { host: '127.0.0.1', port: 0 };
      c.health.maxPendingAgeMs = 1000;
      c.influx.maxRetries = 0;
      c.influx.timeoutMs = 1000;
    });
    const url = `http://127.0.0.1:${ingest.httpPort}`;
    const scrape = async () => {
      const health = await fetch(`${url}/health`);
      const body = (await health.json()) as { mqtt: { pending: number }; writes: { lastError: string | null } };
      const text = await (await fetch(`${url}/metrics`)).text();
      const gauge = Number(/^sunshare_ingest_pending_messages (\d+)$/m.exec(text)?.[1]);
      return { status: health.status, pending: body.mqtt.pending, gauge, error: body.writes.lastError, oldest: Number(/^sunshare_ingest_oldest_pending_seconds ([\d.e+-]+)$/m.exec(text)?.[1]) };
    };
    expect((await scrape()).status).toBe(200);
    await influx.stop();
    try {
      const ts = Date.now() - 60_000;
      await publishBatch(gateway, telemetry(site, 'gw1', 0, [inverterReading('inv1', ts)]));
      await publishBatch(gateway, telemetry(site, 'gw1', 1, [inverterReading('inv1', ts + 1000)]));
      await waitFor(async () => (await scrape()).pending === 2, 'two messages pending');
      await waitFor(async () => (await scrape()).status === 503, '/health not OK', 10_000);
      const s = await scrape();
      expect(s).toMatchObject({ status: 503, pending: 2, gauge: 2 });
      expect(s.oldest).toBeGreaterThan(0);
    } finally {
      await influx.start();
    }
    await waitFor(async () => (await scrape()).status === 200, '/health OK again', 30_000, 200);
    expect(await scrape()).toMatchObject({ status: 200, pending: 0, gauge: 0, error: null, oldest: 0 });
    expect((await pointKeys(influx, 'outage', 'inverter')).length).toBe(2);
  }, 60_000);
});

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type BrokerHandle } from '../../broker/index.ts';
import { topics, type Reading } from '../../common/contract.ts';
import { openLedger } from '../../common/ledger/index.ts';
import { freePort, influxAvailable, mosquittoAvailable, startInflux, startMosquitto, waitFor, type InfluxServer, type MosquittoServer } from '../../common/testing/index.ts';
import { listDeadLetters } from '../../ingest/index.ts';
import { connectClient, inverterReading, pointKeys, publishBatch, seedRegistry, telemetry, uid } from '../../ingest/testing/index.ts';
import { sizedCase, statusCases, structuralCases, type CaseContext, type StructuralCase } from './structural-attacks.ts';

/** The broker's payload limit in this suite (Mosquitto's message_size_limit); the embedded broker's is 8 MiB by default, so it passes them all. */
const SIZE_LIMIT = 2 * 1024 * 1024;
const VALID_BEFORE = 30;
const VALID_AFTER = 30;

type Broker = { url: string; stop(): Promise<void> };
const brokers: { name: string; available: () => boolean; start(): Promise<Broker> }[] = [
  {
    name: 'Mosquitto',
    available: mosquittoAvailable,
    async start() {
      const m: MosquittoServer = await startMosquitto(`message_size_limit ${SIZE_LIMIT}\nmax_queued_messages 0\nmax_inflight_messages 2000\n`);
      return { url: m.url, stop: () => m.destroy() };
    },
  },
  {
    name: 'aedes',
    available: () => true,
    async start() {
      const a: BrokerHandle = await startBroker({ host: '127.0.0.1', port: 0, allowAnonymous: true });
      return { url: a.url, stop: () => a.stop() };
    },
  },
];

/**
 * The crash-resistance suite: `sunshare ingest` as its own process behind a real broker, writing to a
 * real InfluxDB; every structural attack on every field, with valid traffic before, between and after.
 * It passes when ingest never exits and every valid reading is in InfluxDB exactly once.
 */
for (const b of brokers) {
  describe.skipIf(!influxAvailable() || !b.available())(`crash resistance: sunshare ingest behind ${b.name}`, () => {
    const site = `cr-${uid()}`;
    const devices = ['inv0', 'inv1', 'inv2'];
    const database = `cr_${uid()}`;
    let dir: string;
    let influx: InfluxServer;
    let broker: Broker;
    let client: MqttClient;
    let child: ChildProcess | undefined;
    let httpPort: number;
    let ledger: string;
    let crashes = 0;
    let stderr = '';

    const spawnIngest = (config: string) => {
      const c = spawn(process.execPath, [join(import.meta.dirname, '../../bin/sunshare.js'), 'ingest', '--config', config, '--log-level', 'error'], { stdio: ['ignore', 'ignore', 'pipe'] });
      c.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-20_000)));
      c.once('exit', (code, signal) => {
        if (child === c && !stopping) {
          crashes++;
          console.error(`ingest exited (${code ?? signal}) during the attack: ${stderr.slice(-2000)}`);
          child = spawnIngest(config); // as a supervisor would: the count says what happened
        }
      });
      return c;
    };
    let stopping = false;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'sunshare-crash-resistance-'));
      influx = await startInflux(); // the database is not created: ingest must create it
      broker = await b.start();
      ledger = join(dir, 'ledger.sqlite');
      const db = await openLedger(ledger);
      await seedRegistry(db, site, devices.map((id) => ({ id, kind: 'inverter' as const })));
      await db.close();
      httpPort = await freePort();
      const config = join(dir, 'ingest.yaml');
      writeFileSync(
        config,
        stringify({
          mqtt: { url: broker.url, clientId: `ingest-${uid()}`, sites: [site] },
          influx: { url: influx.url, database },
          ledger,
          batch: { maxWaitMs: 20, retryDelayMs: 100 },
          energy: { closeEveryMs: 0 },
          http: { port: httpPort },
        }),
      );
      child = spawnIngest(config);
      await waitFor(async () => (await fetch(`http://127.0.0.1:${httpPort}/health`).catch(() => undefined))?.status === 200, 'ingest up', 30_000, 100);
      client = await connectClient(broker.url, { clientId: `attacker-${uid()}` });
    }, 60_000);

    afterAll(async () => {
      stopping = true;
      child?.kill('SIGTERM');
      if (child && child.exitCode === null) await new Promise((r) => child!.once('exit', r));
      await client?.endAsync();
      await broker?.stop();
      await influx?.destroy();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('stays up under every structural attack on every field and stores every valid reading exactly once', async () => {
      let ts = Date.now() - 3_600_000;
      let seq = 0;
      const ctx = (): CaseContext => ({ site, gateway: 'gw-attack', devices, seq: seq++, sentAt: Date.now(), nextTs: () => (ts += 3) });
      const cases: StructuralCase[] = [...structuralCases(ctx), sizedCase(ctx(), SIZE_LIMIT), sizedCase(ctx(), SIZE_LIMIT - 1)];
      const statuses = statusCases(ctx);
      const expected: Reading[] = [];
      let valid = 0;
      const sendValid = async () => {
        const readings = devices.map((d) => inverterReading(d, (ts += 3)));
        expected.push(...readings);
        valid++;
        await publishBatch(client, telemetry(site, 'gw-valid', valid, readings));
      };

      for (let i = 0; i < VALID_BEFORE; i++) await sendValid();
      for (const c of cases) {
        await client.publishAsync(topics.telemetry(site, 'gw-attack'), c.payload, { qos: 1 });
        expected.push(...c.good);
        await sendValid();
      }
      for (const [i, c] of statuses.entries()) {
        await client.publishAsync(topics.status(site, 'gw-attack'), c.payload, { qos: 1 });
        if (i % 4 === 0) await sendValid();
      }
      // One byte over the limit: the broker drops it (Mosquitto) or passes it (the embedded broker, whose limit is 8 MiB); ingest must not care.
      const over = sizedCase(ctx(), SIZE_LIMIT + 1);
      await Promise.race([client.publishAsync(topics.telemetry(site, 'gw-attack'), over.payload, { qos: 1 }), new Promise((r) => setTimeout(r, 2000))]);
      for (let i = 0; i < VALID_AFTER; i++) await sendValid();

      const want = new Set(expected.map((r) => `${r.device}|${r.ts}`));
      await waitFor(async () => (await pointKeys(influx, database, 'inverter')).length >= want.size, 'every valid reading in InfluxDB', 60_000, 250).catch(() => undefined);
      // Quiet for a moment: nothing late may add a duplicate or a stray point.
      await new Promise((r) => setTimeout(r, 500));
      const keys = await pointKeys(influx, database, 'inverter');
      const got = new Set(keys);
      const lost = [...want].filter((k) => !got.has(k));
      const stray = keys.filter((k) => !want.has(k));
      // The over-limit message's companion may or may not arrive (the broker decides), so it is neither lost nor stray.
      const overKeys = new Set(over.good.map((r) => `${r.device}|${r.ts}`));
      const strayBeyondOver = stray.filter((k) => !overKeys.has(k));

      const health = await fetch(`http://127.0.0.1:${httpPort}/health`);
      const kinds = new Set([...cases, ...statuses].map((c) => c.kind));
      const db = await openLedger(ledger);
      const letters = await listDeadLetters(db, { site, limit: 1 });
      const badUtf8 = cases.find((c) => c.kind === 'invalid_utf8' && c.field === 'reading.device')!;
      const stored = await listDeadLetters(db, { site, reason: 'not_json', limit: 1000 });
      const internal = await listDeadLetters(db, { site, reason: 'internal', limit: 1000 });
      if (process.env.FUZZ_LOG) for (const l of internal.items) console.log(`internal: ${l.topic} ${l.error} ${l.payload.subarray(0, 300).toString()}`);
      await db.close();
      console.log(
        JSON.stringify({
          fuzz: 'ingest.crash_resistance',
          broker: b.name,
          attack_kinds: kinds.size,
          fields: new Set([...cases, ...statuses].map((c) => c.field)).size,
          cases: cases.length + statuses.length + 1,
          valid_batches: valid,
          valid_readings: want.size,
          crashes,
          valid_readings_lost: lost.length,
          duplicates: keys.length - got.size,
          dead_letters_stored: letters.total,
          internal_errors_caught: internal.total,
          health: health.status,
        }),
      );
      expect(crashes).toBe(0);
      expect(child?.exitCode).toBeNull();
      expect(health.status).toBe(200);
      expect(lost).toEqual([]);
      expect(strayBeyondOver).toEqual([]);
      expect(keys.length).toBe(got.size);
      // The refused messages are kept byte for byte (invalid UTF-8 included).
      expect(stored.items.some((l) => l.payload.equals(badUtf8.payload))).toBe(true);
      expect(letters.total).toBeGreaterThan((cases.length + statuses.length) / 2);
    }, 120_000);
  });
}

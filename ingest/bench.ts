import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { TELEMETRY_SCHEMA, topics } from '../common/contract.ts';
import { openLedger } from '../common/ledger/index.ts';
import { silentLogger } from '../common/log.ts';
import { startInflux, startMosquitto, waitFor, type InfluxServer } from '../common/testing/index.ts';
import { startIngest } from './index.ts';
import { installNodeRed, nodeRed } from './bench-nodered.ts';
import { countPoints, ingestConfig, seedRegistry } from './testing/index.ts';

/**
 * Ingest figures (JSON lines), on the real Mosquitto (broker/mosquitto.conf's
 * queue and in-flight settings) and the real InfluxDB 1.x:
 * - ingest.throughput: readings/s drained from a preloaded persistent session
 *   into InfluxDB with the ledger updated, beside the raw pipe limit (bare
 *   mqtt.js subscriber, hand-built line protocol, plain /write requests);
 * - ingest.latency: publish -> durable (InfluxDB accepted = queryable, ledger
 *   committed) at 10,000 readings/s from a separate publisher process, with
 *   the ingest's resident memory.
 */
const SITES = 20;
const DEVICES = 50;
const CYCLES = Number(process.env.BENCH_INGEST_CYCLES ?? 200);
const TOTAL = SITES * DEVICES * CYCLES;
const T0 = Date.UTC(2026, 0, 1);

const dir = mkdtempSync(join(tmpdir(), 'sunshare-bench-ingest-'));
const conf = readFileSync(join(import.meta.dirname, '../broker/mosquitto.conf'), 'utf8')
  .split('\n')
  .filter((l) => !/^(listener|certfile|keyfile|persistence|password_file|acl_file|allow_anonymous|autosave)/.test(l))
  .join('\n');
const mosquitto = await startMosquitto(conf);
const influx: InfluxServer = await startInflux();
const ledger = join(dir, 'ledger.sqlite');
const db = await openLedger(ledger);
for (let s = 0; s < SITES; s++) await seedRegistry(db, `b-${s}`, Array.from({ length: DEVICES }, (_, d) => ({ id: `inv${d}`, kind: 'inverter' as const })));
await db.close();

function batchJson(site: number, cycle: number): string {
  const ts = T0 + cycle * 10_000;
  const readings = Array.from({ length: DEVICES }, (_, d) => ({
    device: `inv${d}`,
    kind: 'inverter',
    ts,
    ac_power_w: 2000 + d,
    ac_energy_wh: 1_000_000 + cycle * 5 + d,
    dc_power_w: 2100 + d,
    ac_voltage_v: 230.1,
    frequency_hz: 50,
    temperature_c: 41.5,
    state: 'mppt',
  }));
  return JSON.stringify({ schema: TELEMETRY_SCHEMA, site: `b-${site}`, gateway: 'gw1', seq: cycle, sentAt: ts, readings });
}

async function preload(): Promise<void> {
  const pub = await mqtt.connectAsync(mosquitto.url, { clientId: `bench-preload-${process.pid}` });
  for (let c = 0; c < CYCLES; c++) {
    await Promise.all(Array.from({ length: SITES }, (_, s) => pub.publishAsync(topics.telemetry(`b-${s}`, 'gw1'), batchJson(s, c), { qos: 1 })));
  }
  await pub.endAsync();
}

/** Registers a persistent session (subscribe, leave), preloads it, then times `drain`. */
async function timeDrain(register: () => Promise<void>, drain: () => Promise<void>): Promise<number> {
  await register();
  await preload();
  const t = performance.now();
  await drain();
  return (performance.now() - t) / 1000;
}

async function ingestDrain(database: string): Promise<number> {
  await influx.createDatabase(database);
  const clientId = `bench-ingest-${process.pid}-${database}`;
  const cfg = ingestConfig({ mqttUrl: mosquitto.url, clientId, influxUrl: influx.url, database, ledger });
  return timeDrain(
    async () => (await startIngest(cfg, { log: silentLogger })).stop(),
    async () => {
      const ingest = await startIngest(cfg, { log: silentLogger });
      await waitFor(async () => (await ingest.stats()).readingsWritten >= TOTAL, 'ingest drained', 300_000, 20);
      await ingest.stop();
    },
  );
}

async function rawDrain(database: string): Promise<number> {
  await influx.createDatabase(database);
  const clientId = `bench-raw-${process.pid}`;
  const connect = () => mqtt.connectAsync(mosquitto.url, { clientId, clean: false });
  return timeDrain(
    async () => {
      const c = await connect();
      await c.subscribeAsync(topics.allTelemetry, { qos: 1 });
      await c.endAsync();
    },
    async () => {
      let written = 0;
      let buffer: string[] = [];
      let writing = Promise.resolve();
      const flush = () => {
        const body = buffer.join('\n');
        const n = buffer.length;
        buffer = [];
        writing = writing.then(async () => {
          const res = await fetch(`${influx.url}/write?db=${database}&precision=ms`, { method: 'POST', body });
          if (res.status !== 204) throw new Error(`raw write: ${res.status}`);
          written += n;
        });
      };
      const c = mqtt.connect(mosquitto.url, { clientId, clean: false });
      c.on('message', (_t, payload) => {
        const b = JSON.parse(payload.toString()) as { site: string; gateway: string; readings: Record<string, number | string>[] };
        for (const r of b.readings) {
          buffer.push(
            `inverter,device=${r.device},gateway=${b.gateway},site=${b.site} ac_power_w=${r.ac_power_w},ac_energy_wh=${r.ac_energy_wh},dc_power_w=${r.dc_power_w},ac_voltage_v=${r.ac_voltage_v},frequency_hz=${r.frequency_hz},temperature_c=${r.temperature_c},state="${r.state}" ${r.ts}`,
          );
        }
        if (buffer.length >= 5000) flush();
      });
      await waitFor(async () => {
        if (buffer.length > 0) flush();
        await writing;
        return written >= TOTAL;
      }, 'raw drained', 300_000, 20);
      await c.endAsync();
    },
  );
}

async function nodeRedDrain(database: string): Promise<number> {
  await influx.createDatabase(database);
  const nrDir = join(dir, 'nodered');
  mkdirSync(nrDir, { recursive: true });
  const red = await nodeRed(nrDir, installNodeRed(nrDir), mosquitto.url, influx.url, database);
  await red.start();
  // "Connected" is logged before the mqtt-in node has subscribed; a clean stop would unsubscribe, so kill it.
  await new Promise((r) => setTimeout(r, 3000));
  await red.stop(true);
  await preload();
  await red.start();
  try {
    await waitFor(async () => (await countPoints(influx, database, 'inverter')) > 0, 'Node-RED first point', 60_000, 20);
  } catch (err) {
    await red.stop();
    throw new Error(`${(err as Error).message}; Node-RED log: ${red.log()}`);
  }
  const t = performance.now();
  await waitFor(async () => (await countPoints(influx, database, 'inverter')) >= TOTAL, 'Node-RED drained', 300_000, 100);
  const s = (performance.now() - t) / 1000;
  await red.stop();
  return s;
}

async function latency(rate: number, seconds: number): Promise<void> {
  await influx.createDatabase('latency');
  const cfg = ingestConfig({ mqttUrl: mosquitto.url, clientId: `bench-lat-${process.pid}`, influxUrl: influx.url, database: 'latency', ledger });
  // The ingest runs in a process of its own (bench-ingest.ts), the publisher in another: the RSS is the ingest's alone.
  const child = spawn(process.execPath, [join(import.meta.dirname, 'bench-ingest.ts'), JSON.stringify(cfg)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines: string[] = [];
  let buf = '';
  child.stdout.on('data', (d: Buffer) => {
    buf += d.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      lines.push(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
  });
  await waitFor(async () => lines.length > 0, 'bench ingest ready', 60_000, 20);
  let rss = 0;
  const sampleRss = () => (rss = Math.max(rss, 1024 * Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0)));
  const sampler = setInterval(sampleRss, 250);
  const pub = spawn(process.execPath, [join(import.meta.dirname, 'bench-publisher.ts'), mosquitto.url, 'b', String(SITES), String(DEVICES), String(rate), String(seconds)], { stdio: 'inherit' });
  await new Promise((r) => pub.once('exit', r));
  await new Promise((r) => setTimeout(r, 1000));
  clearInterval(sampler);
  sampleRss();
  child.stdin.write('stop\n');
  await waitFor(async () => lines.length > 1, 'bench ingest stopped', 60_000, 20);
  const { readings, latencies: lat } = JSON.parse(lines[1]!) as { readings: number; latencies: number[] };
  lat.sort((a, b) => a - b);
  const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? NaN;
  console.log(
    JSON.stringify({
      bench: 'ingest.latency',
      readings_per_s: rate,
      seconds,
      readings,
      batches: lat.length,
      p50_ms: q(0.5),
      p99_ms: q(0.99),
      max_ms: lat[lat.length - 1],
      rss_mb: Math.round(rss / 1e6),
      rss_of: 'the ingest process alone (ingest/bench-ingest.ts), peak VmRSS',
      goal: 'p99 < 2000 ms, rss_mb <= 150',
    }),
  );
}

try {
  // Latency first, so the resident memory is the ingest's under that load and not left over from the drains.
  await latency(10_000, Number(process.env.BENCH_INGEST_LATENCY_S ?? 20));
  const raw = await rawDrain('raw');
  const ing = await ingestDrain('ingest');
  console.log(
    JSON.stringify({
      bench: 'ingest.throughput',
      readings: TOTAL,
      readings_per_message: DEVICES,
      ingest_readings_per_s: Math.round(TOTAL / ing),
      raw_pipe_readings_per_s: Math.round(TOTAL / raw),
      ratio: Number((raw / ing).toFixed(2)),
      goal: '>= 50000/s and ratio >= 0.6',
      ledger: 'sqlite',
    }),
  );
  if (process.env.BENCH_INGEST_NODERED !== '0') {
    try {
      const nr = await nodeRedDrain('nodered');
      console.log(
        JSON.stringify({
          bench: 'ingest.vs_nodered',
          readings: TOTAL,
          ingest_readings_per_s: Math.round(TOTAL / ing),
          nodered_readings_per_s: Math.round(TOTAL / nr),
          ratio: Number((nr / ing).toFixed(2)),
          note: 'Node-RED timed from its first point (its startup excluded); flow: mqtt in -> function -> influxdb batch (1.x)',
          goal: 'ingest well ahead',
        }),
      );
    } catch (err) {
      console.log(JSON.stringify({ bench: 'ingest.vs_nodered', error: (err as Error).message.slice(-1500) }));
    }
  }
} finally {
  await mosquitto.destroy();
  await influx.destroy();
  rmSync(dir, { recursive: true, force: true });
}

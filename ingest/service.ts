import { topics } from '../common/contract.ts';
import { ledgerUrl, openLedger, type Db } from '../common/ledger/index.ts';
import { createLogger, type Logger } from '../common/log.ts';
import { DeferredAckConsumer } from './consumer.ts';
import type { IngestConfig } from './config.ts';
import { ReadRecorder } from './energy/record.ts';
import { closeEnergyDays, type CloseEnergyDaysResult } from './energy/close-days.ts';
import { startHttp, type HealthReport } from './http.ts';
import { createInfluxWriter } from './influx-writer.ts';
import { decodeMessage, type Decoded } from './message.ts';
import { createIngestMetrics, type IngestMetrics } from './metrics.ts';
import { Pipeline } from './pipeline.ts';
import { Registry } from './registry.ts';

export interface IngestStats {
  messages: number;
  readingsWritten: number;
  deadLetters: number;
  redeliveries: number;
  writeFailures: number;
  pending: number;
}

export interface IngestHandle {
  readonly httpPort: number | undefined;
  readonly metrics: IngestMetrics;
  readonly db: Db;
  stats(): Promise<IngestStats>;
  /** Computes daily energy for the days that have ended (plus grace) as of `now`. */
  closeEnergyDays(now?: number): Promise<CloseEnergyDaysResult>;
  /** Reloads sites and devices from the ledger now. */
  refreshRegistry(): Promise<void>;
  /** Finishes the batch being written, then disconnects; unacknowledged messages stay with the broker. */
  stop(): Promise<void>;
}

/** Every site's telemetry and status, or only the configured sites'. */
function subscriptions(config: IngestConfig): string[] {
  if (!config.mqtt.sites) return [topics.allTelemetry, topics.allStatus];
  return config.mqtt.sites.flatMap((s) => [topics.telemetry(s, '+'), topics.status(s, '+')]);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function counterValue(c: { get(): Promise<{ values: { value: number }[] }> }): Promise<number> {
  return (await c.get()).values.reduce((s, v) => s + v.value, 0);
}

export interface IngestOptions {
  log?: Logger;
  /** Called after each batch is durable (InfluxDB accepted it, the ledger committed) with its batches' sentAt: for latency figures. */
  onCommitted?: (sentAts: number[]) => void;
  /**
   * The clock message times are judged by (receive time, the "more than a day ahead" limit, a
   * gateway clock ahead): the real one, unless the whole system runs on a simulated clock (the demo).
   */
  now?: () => number;
}

export async function startIngest(config: IngestConfig, opts: IngestOptions = {}): Promise<IngestHandle> {
  const log = opts.log ?? createLogger('ingest');
  const metrics = createIngestMetrics();
  const health: HealthReport = { ok: false, mqtt: { connected: false, pending: 0 }, influx: { lastWriteOkAt: null, lastError: null }, ledger: { lastClosedAt: null, lastError: null } };
  const writer = createInfluxWriter(config.influx, (err, attempt) => {
    health.influx.lastError = err.message;
    log.warn({ err: err.message, attempt }, 'InfluxDB write failed');
  }, log);
  const db = await openLedger(ledgerUrl(config.ledger));
  const registry = new Registry(db);
  await registry.refresh();
  registry.start(config.registryRefreshMs, (err) => log.warn({ err: (err as Error).message }, 'registry refresh failed'));
  const recorder = new ReadRecorder({ graceMs: config.energy.graceMs, markCacheMs: Math.min(60_000, config.energy.graceMs / 2) });

  const prefix = config.mqtt.sharedGroup ? `$share/${config.mqtt.sharedGroup}/` : '';
  const consumer = new DeferredAckConsumer<Decoded>(
    { ...config.mqtt, topics: subscriptions(config).map((t) => prefix + t), ...(opts.now ? { now: opts.now } : {}) },
    (topic, payload, receivedAt) => {
      const value = decodeMessage(topic, payload, registry, receivedAt);
      metrics.messagesIn.inc({ kind: value.kind });
      return { value, weight: value.kind === 'telemetry' ? Math.max(1, value.batch.readings.length) : 1 };
    },
    log,
  );
  const pipeline = new Pipeline({ writer, db, recorder, registry, metrics, log, publish: (t, p) => consumer.publish(t, p), ...(opts.now ? { now: opts.now } : {}) });

  let stopping = false;
  const loop = (async () => {
    while (!stopping) {
      const batch = await consumer.take(config.batch.maxReadings, config.batch.maxWaitMs);
      if (stopping) return;
      if (batch.length === 0) continue;
      const prepared = pipeline.prepare(batch);
      for (let delay = config.batch.retryDelayMs; ; delay = Math.min(delay * 2, 10_000)) {
        try {
          await pipeline.commit(prepared);
          health.influx.lastWriteOkAt = Date.now();
          health.influx.lastError = null;
          break;
        } catch (err) {
          log.warn({ err: (err as Error).message, retryInMs: delay }, 'batch not written; it stays unacknowledged and is retried');
          if (stopping) return;
          await sleep(delay);
        }
      }
      consumer.ack(batch);
      metrics.pending.set(consumer.pending);
      opts.onCommitted?.(prepared.seqs.map((s) => s.sentAt));
    }
  })();
  loop.catch((err) => log.error({ err }, 'ingest loop crashed'));

  const runCloseEnergyDays = async (now = Date.now()) => {
    const r = await closeEnergyDays(db, { now, graceMs: config.energy.graceMs, maxGapMs: config.energy.maxGapMs, tzOf: registry.tzOf });
    metrics.dailyRevisions.inc(r.revisions);
    health.ledger.lastClosedAt = now;
    health.ledger.lastError = null;
    return r;
  };
  let closeTimer: NodeJS.Timeout | undefined;
  if (config.energy.closeEveryMs > 0) {
    closeTimer = setInterval(() => {
      runCloseEnergyDays().catch((err) => {
        health.ledger.lastError = (err as Error).message;
        log.error({ err: (err as Error).message }, 'closing days failed');
      });
    }, config.energy.closeEveryMs);
    closeTimer.unref();
  }

  try {
    await consumer.start();
  } catch (err) {
    stopping = true;
    registry.stop();
    if (closeTimer) clearInterval(closeTimer);
    await writer.close();
    await db.close();
    throw err;
  }
  const report = (): HealthReport => {
    health.mqtt = { connected: consumer.connected, pending: consumer.pending };
    health.ok = consumer.connected && health.influx.lastError === null && health.ledger.lastError === null;
    return health;
  };
  const http = config.http ? await startHttp(config.http.host, config.http.port, report, metrics.registry) : undefined;
  log.info({ influx: config.influx.url, shared: config.mqtt.sharedGroup, http: http?.port }, 'ingest started');

  return {
    httpPort: http?.port,
    metrics,
    db,
    async stats() {
      return {
        messages: await counterValue(metrics.messagesIn),
        readingsWritten: await counterValue(metrics.readingsWritten),
        deadLetters: await counterValue(metrics.deadLetters),
        redeliveries: await counterValue(metrics.redeliveries),
        writeFailures: await counterValue(metrics.writeFailures),
        pending: consumer.pending,
      };
    },
    closeEnergyDays: runCloseEnergyDays,
    refreshRegistry: () => registry.refresh(),
    async stop() {
      stopping = true;
      registry.stop();
      if (closeTimer) clearInterval(closeTimer);
      consumer.interrupt();
      await loop.catch(() => undefined);
      await consumer.stop();
      await http?.app.close();
      await writer.close();
      await db.close();
    },
  };
}

import { topics } from '../common/contract.ts';
import { ledgerUrl, openLedger, type Db } from '../common/ledger/index.ts';
import { createLogger, type Logger } from '../common/log.ts';
import { DeferredAckConsumer } from './consumer.ts';
import type { IngestConfig } from './config.ts';
import { ReadRecorder } from './energy/record.ts';
import { closeEnergyDays, type CloseEnergyDaysResult } from './energy/close-days.ts';
import { startHttp, type HealthReport } from './http.ts';
import { createInfluxWriter } from './influx-writer.ts';
import { decodeSafely, errorText, type Decoded } from './message.ts';
import { createIngestMetrics, type IngestMetrics } from './metrics.ts';
import { isTransient, Pipeline, type Prepared } from './pipeline.ts';
import { ensureInfluxDatabase, influxAnswers, InfluxUnreachable } from './influx-database.ts';
import { pendingReplays } from './dead-letters/store.ts';
import type { Inbound } from './consumer.ts';
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

/** A message that names a site or device the registry does not know (yet). */
const namesUnknown = (d: Decoded) => d.dead.some((x) => x.reason === 'unknown_site' || x.reason === 'unknown_device');

export async function startIngest(config: IngestConfig, opts: IngestOptions = {}): Promise<IngestHandle> {
  const log = opts.log ?? createLogger('ingest');
  // Filled in once the consumer exists; the gauges read it at each scrape.
  const ref: { consumer?: DeferredAckConsumer<Decoded> } = {};
  const metrics = createIngestMetrics({ pending: () => ref.consumer?.pending ?? 0, oldestPendingAgeMs: () => ref.consumer?.oldestPendingAgeMs() ?? 0 });
  const health: HealthReport = {
    ok: false,
    mqtt: { connected: false, pending: 0, oldestPendingMs: 0 },
    influx: { lastWriteOkAt: null, lastError: null },
    ledger: { lastClosedAt: null, lastError: null },
    writes: { failingSince: null, lastError: null },
  };
  let databaseChecked = false;
  const checkDatabase = async () => {
    try {
      const found = await ensureInfluxDatabase(config.influx);
      if (found === 'created') log.warn({ database: config.influx.database, influx: config.influx.url }, 'InfluxDB database was missing: created it');
      if (found === 'unknown') log.warn({ database: config.influx.database, influx: config.influx.url }, 'InfluxDB did not say whether the database exists (an empty write was refused); writes will tell');
      databaseChecked = true;
    } catch (err) {
      if (!(err instanceof InfluxUnreachable)) throw err;
      log.warn({ err: err.message }, 'InfluxDB does not answer yet; its database is checked again before writing');
    }
  };
  await checkDatabase();
  const writer = createInfluxWriter(config.influx, (err, attempt) => {
    health.influx.lastError = err.message;
    log.warn({ err: err.message, attempt }, 'InfluxDB write failed');
  }, log);
  const db = await openLedger(ledgerUrl(config.ledger), { mustExist: true });
  const registry = new Registry(db);
  await registry.refresh();
  registry.start(config.registryRefreshMs, (err) => log.warn({ err: (err as Error).message }, 'registry refresh failed'));
  const recorder = new ReadRecorder({ graceMs: config.energy.graceMs, markCacheMs: Math.min(60_000, config.energy.graceMs / 2) });

  const prefix = config.mqtt.sharedGroup ? `$share/${config.mqtt.sharedGroup}/` : '';
  const consumer = new DeferredAckConsumer<Decoded>(
    { ...config.mqtt, topics: subscriptions(config).map((t) => prefix + t), ...(opts.now ? { now: opts.now } : {}) },
    (topic, payload, receivedAt) => {
      const value = decodeSafely(topic, payload, registry, receivedAt);
      metrics.messagesIn.inc({ kind: value.kind });
      return { value, weight: value.kind === 'telemetry' ? Math.max(1, value.batch.readings.length) : 1 };
    },
    log,
  );
  ref.consumer = consumer;
  const pipeline = new Pipeline({ writer, db, recorder, registry, metrics, log, publish: (t, p) => consumer.publish(t, p), maxLetterBytes: config.deadLetters.maxPayloadBytes, ...(opts.now ? { now: opts.now } : {}) });

  let stopping = false;
  const wrote = () => {
    health.influx.lastWriteOkAt = Date.now();
    health.influx.lastError = null;
    health.writes = { failingSince: null, lastError: null };
  };
  const failed = (err: unknown) => {
    const text = errorText(err);
    if (/database not found/i.test(text)) databaseChecked = false;
    health.writes = { failingSince: health.writes.failingSince ?? Date.now(), lastError: text };
    return text;
  };
  /** Both stores answer: a write that fails now fails because of what is written. */
  const storesAnswer = async () => {
    if (!(await influxAnswers(config.influx))) return false;
    try {
      await db.q.selectFrom('schema_migrations').select('version').limit(1).execute();
      return true;
    } catch {
      return false;
    }
  };

  /**
   * Writes one prepared batch, retrying with backoff while a store is out; false once stopping. When it
   * fails while both stores answer, the fault is in what is written: `onOwnFault` may then settle it
   * (true: done, false: stopping) or leave it to be retried (undefined). InfluxDB refusing a line for
   * what it holds is a 400, counted and passed over in the pipeline; its other failures, and a busy,
   * locked or unreachable ledger, are the store's and only wait.
   */
  const commit = async (prepared: Prepared, context: Record<string, unknown>, onOwnFault?: (err: unknown, text: string) => Promise<boolean | undefined>): Promise<boolean> => {
    for (let delay = config.batch.retryDelayMs; ; delay = Math.min(delay * 2, 10_000)) {
      try {
        if (!databaseChecked) await checkDatabase();
        await pipeline.commit(prepared);
        wrote();
        return true;
      } catch (err) {
        const text = failed(err);
        if (onOwnFault && pipeline.lastFailedStore !== 'influx' && !isTransient(err) && (await storesAnswer())) {
          const settled = await onOwnFault(err, text);
          if (settled !== undefined) return settled;
        }
        log.warn({ err: text, retryInMs: delay, ...context }, 'not written; it stays unacknowledged and is retried');
        if (stopping) return false;
        await sleep(delay);
      }
    }
  };

  /**
   * One message that failed in a batch, written alone. Failing `poisonAfter` times while both stores
   * answer, it is what fails (not the stores): it is dead-lettered as `internal` with the error, so it
   * cannot hold up the messages behind it. While a store is out, it waits like any batch.
   */
  const commitAlone = async (m: Inbound<Decoded>, prepared = pipeline.prepare([m])): Promise<boolean> => {
    let poisonFailures = 0;
    return commit(prepared, { topic: m.topic }, async (err, text) => {
      if (++poisonFailures < config.batch.poisonAfter) return undefined;
      log.error({ err: text, topic: m.topic }, 'a message fails to be written while InfluxDB and the ledger work: dead-lettered as internal');
      return commit(pipeline.poisoned(m, err), { topic: m.topic });
    });
  };

  /** A batch: retried whole while a store is out; when it fails while both answer, its messages are written one by one. */
  const commitBatch = (batch: Inbound<Decoded>[], prepared: Prepared): Promise<boolean> =>
    commit(prepared, { messages: batch.length }, async (_err, text) => {
      log.warn({ err: text, messages: batch.length }, 'batch not written while InfluxDB and the ledger answer: its messages are written one by one');
      for (const m of batch) if (!(await commitAlone(m))) return false;
      return true;
    });

  /** Messages naming an unknown site or device: the registry is reloaded at once (rate-limited) and they are decoded again. */
  const recheckUnknown = async (batch: Inbound<Decoded>[]) => {
    if (!batch.some((m) => namesUnknown(m.value))) return;
    try {
      if (!(await registry.reloadUnlessRecent(config.registryReloadMinMs))) return;
    } catch (err) {
      log.warn({ err: errorText(err) }, 'registry reload failed');
      return;
    }
    metrics.registryReloads.inc();
    for (const m of batch) if (namesUnknown(m.value)) m.value = decodeSafely(m.topic, m.payload, registry, m.receivedAt);
  };

  const loop = (async () => {
    while (!stopping) {
      const batch = await consumer.take(config.batch.maxReadings, config.batch.maxWaitMs);
      if (stopping) return;
      if (batch.length === 0) continue;
      await recheckUnknown(batch);
      const prepared = pipeline.prepare(batch);
      const done = batch.length === 1 ? await commitAlone(batch[0]!, prepared) : await commitBatch(batch, prepared);
      if (!done) return;
      consumer.ack(batch);
      opts.onCommitted?.(prepared.seqs.map((s) => s.sentAt));
    }
  })();
  loop.catch((err) => {
    // Not expected (every message is guarded): nothing more would be written, so /health must say so.
    health.writes = { failingSince: Date.now(), lastError: `ingest loop stopped: ${errorText(err)}` };
    log.error({ err }, 'ingest loop crashed');
  });

  // Replays requested in the ledger (CLI or API) go through the same batches as live messages.
  const injected = new Set<string>();
  const pollReplays = async () => {
    for (const r of await pendingReplays(db)) {
      const key = `${r.id}#${r.attempt}`;
      if (injected.has(key)) continue;
      injected.add(key);
      consumer.inject(r.topic, r.payload, { id: r.id, attempt: r.attempt, reason: r.reason });
    }
  };
  let replayTimer: NodeJS.Timeout | undefined;
  if (config.deadLetters.replayPollMs > 0) {
    replayTimer = setInterval(() => {
      pollReplays().catch((err) => log.warn({ err: errorText(err) }, 'reading replay requests failed'));
    }, config.deadLetters.replayPollMs);
    replayTimer.unref();
  }

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
    if (replayTimer) clearInterval(replayTimer);
    await writer.close();
    await db.close();
    throw err;
  }
  const report = (): HealthReport => {
    health.mqtt = { connected: consumer.connected, pending: consumer.pending, oldestPendingMs: consumer.oldestPendingAgeMs() };
    health.ok =
      consumer.connected &&
      health.influx.lastError === null &&
      health.ledger.lastError === null &&
      health.writes.lastError === null &&
      health.mqtt.oldestPendingMs <= config.health.maxPendingAgeMs;
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
      if (replayTimer) clearInterval(replayTimer);
      consumer.interrupt();
      await loop.catch(() => undefined);
      await consumer.stop();
      await http?.app.close();
      await writer.close();
      await db.close();
    },
  };
}

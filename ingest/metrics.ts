import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** What the gauges read at each scrape (the live state, not a copy made earlier). */
export interface GaugeSources {
  pending(): number;
  oldestPendingAgeMs(): number;
}

/**
 * Prometheus metrics of one ingest instance (its own registry, so several instances can share a process).
 * The state gauges are set in collect(), at the scrape, so they always match /health.
 */
export function createIngestMetrics(live: GaugeSources = { pending: () => 0, oldestPendingAgeMs: () => 0 }) {
  const registry = new Registry();
  const registers = [registry];
  return {
    registry,
    messagesIn: new Counter({ name: 'sunshare_ingest_messages_total', help: 'MQTT messages received', labelNames: ['kind'] as const, registers }),
    readingsWritten: new Counter({ name: 'sunshare_ingest_readings_written_total', help: 'Readings written to InfluxDB and the ledger', registers }),
    pointsWritten: new Counter({ name: 'sunshare_ingest_points_written_total', help: 'Lines written to InfluxDB (readings, batches, status)', registers }),
    writeSeconds: new Histogram({
      name: 'sunshare_ingest_write_seconds',
      help: 'Time to write one batch durably (InfluxDB accepted it and the ledger committed)',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    batchReadings: new Histogram({
      name: 'sunshare_ingest_batch_readings',
      help: 'Readings per written batch',
      buckets: [1, 10, 100, 500, 1000, 2500, 5000, 10000, 20000, 50000],
      registers,
    }),
    deadLetters: new Counter({ name: 'sunshare_ingest_dead_letters_total', help: 'Messages or readings rejected to the dead-letter topic', labelNames: ['reason'] as const, registers }),
    redeliveries: new Counter({ name: 'sunshare_ingest_redeliveries_total', help: 'Messages seen again (MQTT dup flag or a seq already seen)', registers }),
    clockAhead: new Counter({ name: 'sunshare_ingest_batches_clock_ahead_total', help: 'Batches received more than 5 s before their sentAt: the gateway clock is ahead', registers }),
    seqGaps: new Counter({ name: 'sunshare_ingest_seq_gaps_total', help: 'Batches missing between two seq numbers of one gateway', registers }),
    writeFailures: new Counter({ name: 'sunshare_ingest_write_failures_total', help: 'Failed write attempts (InfluxDB or ledger); the batch is retried, not acknowledged', labelNames: ['store'] as const, registers }),
    influxRejected: new Counter({ name: 'sunshare_ingest_influx_rejected_lines_total', help: 'Lines InfluxDB refused as malformed (HTTP 400)', registers }),
    consumerLag: new Gauge({ name: 'sunshare_ingest_consumer_lag_seconds', help: 'Age (now - sentAt) of the newest batch when it was written', registers }),
    pending: new Gauge({
      name: 'sunshare_ingest_pending_messages',
      help: 'Messages received and not yet acknowledged (read at the scrape)',
      registers,
      collect() {
        this.set(live.pending());
      },
    }),
    oldestPending: new Gauge({
      name: 'sunshare_ingest_oldest_pending_seconds',
      help: 'Age of the oldest message received and not yet acknowledged, 0 when none (read at the scrape)',
      registers,
      collect() {
        this.set(live.oldestPendingAgeMs() / 1000);
      },
    }),
    replays: new Counter({ name: 'sunshare_ingest_dead_letter_replays_total', help: 'Dead letters replayed, by outcome (written, or dead again)', labelNames: ['outcome'] as const, registers }),
    registryReloads: new Counter({ name: 'sunshare_ingest_registry_reloads_total', help: 'Registry reloads made at once for a message naming an unknown site or device', registers }),
    dailyRevisions: new Counter({ name: 'sunshare_ingest_daily_energy_revisions_total', help: 'daily_energy rows appended by closing days', registers }),
  };
}
export type IngestMetrics = ReturnType<typeof createIngestMetrics>;

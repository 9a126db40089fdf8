import { topics, type Reading } from '../common/contract.ts';
import type { Db } from '../common/ledger/index.ts';
import type { Logger } from '../common/log.ts';
import type { Inbound } from './consumer.ts';
import type { ReadRecorder, LedgerRead } from './energy/record.ts';
import type { InfluxWriter } from './influx-writer.ts';
import type { Decoded, DeadLetter } from './message.ts';
import type { IngestMetrics } from './metrics.ts';
import { batchLine, COUNTER_FIELDS, readingLine, statusLines } from './points.ts';
import type { Registry } from './registry.ts';

/** One batch of messages turned into what gets written; prepared once, committed until it succeeds. */
export interface Prepared {
  lines: string[];
  reads: LedgerRead[];
  dead: DeadLetter[];
  readings: number;
  seqs: { gateway: string; seq: number; dup: boolean; sentAt: number; receivedAt: number }[];
  newestSentAt: number;
}

export interface PipelineDeps {
  writer: InfluxWriter;
  db: Db;
  recorder: ReadRecorder;
  registry: Registry;
  metrics: IngestMetrics;
  log: Logger;
  publish: (topic: string, payload: string) => Promise<void>;
  /** The clock days are closed by (the simulated one in the demo): dirty marks are cached against it, not the wall clock. */
  now?: () => number;
}

function counterReads(site: string, r: Reading, out: LedgerRead[]): void {
  for (const counter of COUNTER_FIELDS) {
    const v = r[counter];
    if (v !== undefined) out.push({ site, device: r.device, counter, ts: r.ts, wh: Math.round(v), serial: r.serial ?? '' });
  }
}

/** A batch received this long before the gateway says it made it comes from a gateway whose clock is ahead. */
const CLOCK_AHEAD_MS = 5_000;
/** At most one "clock ahead" warning per gateway in this time (the counter counts every batch). */
const CLOCK_WARN_EVERY_MS = 600_000;

export class Pipeline {
  private readonly lastSeq = new Map<string, number>();
  private readonly clockWarnedAt = new Map<string, number>();

  private readonly d: PipelineDeps;

  constructor(d: PipelineDeps) {
    this.d = d;
  }

  prepare(batch: readonly Inbound<Decoded>[]): Prepared {
    const p: Prepared = { lines: [], reads: [], dead: [], readings: 0, seqs: [], newestSentAt: 0 };
    for (const m of batch) {
      const v = m.value;
      p.dead.push(...v.dead);
      if (v.kind === 'telemetry') {
        const b = v.batch;
        for (const r of b.readings) {
          const l = readingLine(b.site, b.gateway, r);
          if (l) p.lines.push(l);
          counterReads(b.site, r, p.reads);
        }
        p.readings += b.readings.length;
        p.lines.push(batchLine(b.site, b.gateway, b.seq, b.sentAt, b.readings.length, m.receivedAt));
        p.seqs.push({ gateway: `${b.site}/${b.gateway}`, seq: b.seq, dup: m.dup, sentAt: b.sentAt, receivedAt: m.receivedAt });
        p.newestSentAt = Math.max(p.newestSentAt, b.sentAt);
      } else if (v.kind === 'status') {
        p.lines.push(...statusLines(v.status));
      }
    }
    return p;
  }

  /**
   * Writes InfluxDB and the ledger at the same time, then the dead letters; throws if any part fails
   * (the batch is then retried whole: both writes are idempotent, so the part that did succeed is
   * simply written again). Nothing is acknowledged before both have the batch.
   */
  async commit(p: Prepared): Promise<void> {
    const { writer, db, recorder, registry, metrics, log } = this.d;
    const started = performance.now();
    // Settled at once (no unhandled rejection while the ledger is written), judged below.
    const influx = writer.write(p.lines).then(
      (outcome) => ({ ok: true as const, outcome }),
      (err: unknown) => ({ ok: false as const, err }),
    );
    let ledgerFailed: { err: unknown } | undefined;
    if (p.reads.length > 0) {
      // One turn of the event loop first, so the InfluxDB request is on its way while the ledger
      // transaction (synchronous with SQLite) holds the thread: InfluxDB works meanwhile.
      await new Promise((r) => setImmediate(r));
      try {
        await db.transaction((tx) => recorder.record(tx, p.reads, registry.tzOf, (this.d.now ?? Date.now)()));
      } catch (err) {
        recorder.forget();
        metrics.writeFailures.inc({ store: 'ledger' });
        ledgerFailed = { err };
      }
    }
    const written = await influx;
    if (!written.ok) {
      metrics.writeFailures.inc({ store: 'influx' });
      throw written.err;
    }
    if (ledgerFailed) throw ledgerFailed.err;
    const outcome = written.outcome;
    if (outcome.rejected > 0) {
      metrics.influxRejected.inc(outcome.rejected);
      log.error({ lines: outcome.rejected, error: outcome.rejectError }, 'InfluxDB refused lines as malformed');
    }
    for (const dl of p.dead) {
      const topic = topics.deadLetter(dl.site ?? '_unknown', dl.gateway ?? '_unknown');
      await this.d.publish(topic, deadLetterBody(dl));
    }
    metrics.writeSeconds.observe((performance.now() - started) / 1000);
    this.account(p);
  }

  private account(p: Prepared): void {
    const { metrics, log } = this.d;
    metrics.readingsWritten.inc(p.readings);
    metrics.pointsWritten.inc(p.lines.length);
    metrics.batchReadings.observe(p.readings);
    if (p.newestSentAt > 0) metrics.consumerLag.set(Math.max(0, (Date.now() - p.newestSentAt) / 1000));
    for (const dl of p.dead) {
      metrics.deadLetters.inc({ reason: dl.reason });
      log.warn({ reason: dl.reason, site: dl.site, gateway: dl.gateway, problems: dl.problems.slice(0, 5) }, 'dead-lettered');
    }
    for (const s of p.seqs) {
      const last = this.lastSeq.get(s.gateway);
      if (s.dup || (last !== undefined && s.seq <= last)) metrics.redeliveries.inc();
      if (last !== undefined && s.seq > last + 1) metrics.seqGaps.inc(s.seq - last - 1);
      if (last === undefined || s.seq > last) this.lastSeq.set(s.gateway, s.seq);
      this.checkClock(s);
    }
  }

  /**
   * A batch cannot arrive before it was made: sentAt ahead of our clock means the gateway's clock is
   * ahead (lag_ms then shows 0), and so are its reading timestamps. Counted and logged for the operator;
   * the readings are kept (ingest refuses only readings more than a day ahead).
   */
  private checkClock(s: Prepared['seqs'][number]): void {
    const aheadMs = s.sentAt - s.receivedAt;
    if (aheadMs <= CLOCK_AHEAD_MS) return;
    this.d.metrics.clockAhead.inc();
    const warned = this.clockWarnedAt.get(s.gateway);
    if (warned !== undefined && s.receivedAt - warned < CLOCK_WARN_EVERY_MS) return;
    this.clockWarnedAt.set(s.gateway, s.receivedAt);
    this.d.log.warn({ gateway: s.gateway, seq: s.seq, aheadMs }, "gateway's clock is ahead of ingest's: check its NTP; its readings are stored with its timestamps");
  }
}

/**
 * The dead-letter message. JSON.parse accepts nesting that JSON.stringify
 * cannot write back (stack overflow at a few thousand levels); such a
 * message must still be dead-lettered, or it would be retried forever and
 * hold up every message behind it.
 */
function deadLetterBody(dl: DeadLetter): string {
  const body = { reason: dl.reason, problems: dl.problems, at: Date.now() };
  try {
    return JSON.stringify({ ...body, rejected: dl.rejected });
  } catch (err) {
    return JSON.stringify({ ...body, rejected: `(not shown: ${(err as Error).message})` });
  }
}

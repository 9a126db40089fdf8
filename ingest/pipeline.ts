import { topics, type Reading } from '../common/contract.ts';
import type { Db } from '../common/ledger/index.ts';
import type { Logger } from '../common/log.ts';
import type { Inbound } from './consumer.ts';
import type { ReadRecorder, LedgerRead } from './energy/record.ts';
import type { InfluxWriter } from './influx-writer.ts';
import { letterRows, insertDeadLetters, finishReplay, type DeadLetterRow } from './dead-letters/store.ts';
import { errorText, type Decoded, type DeadLetter } from './message.ts';
import type { IngestMetrics } from './metrics.ts';
import { batchLine, COUNTER_FIELDS, readingLine, statusLines } from './points.ts';
import type { Registry } from './registry.ts';

/** One batch of messages turned into what gets written; prepared once, committed until it succeeds. */
export interface Prepared {
  lines: string[];
  reads: LedgerRead[];
  dead: DeadLetter[];
  /** The dead letters as stored in the ledger (one row per message and reason). */
  letters: DeadLetterRow[];
  /** Replayed dead letters in this batch and what came of them. */
  replays: { id: string; attempt: number; outcome: 'written' | 'dead'; detail: string }[];
  /** Dead letters of messages from the broker (not replays): counted and published. */
  fresh: DeadLetter[];
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
  /** Payloads above this are stored cut to this size (and flagged truncated). */
  maxLetterBytes: number;
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
  /** Which store the last failed commit failed in (what a retry or the poison check needs to know). */
  lastFailedStore: 'influx' | 'ledger' | undefined;
  private readonly lastSeq = new Map<string, number>();
  private readonly clockWarnedAt = new Map<string, number>();

  private readonly d: PipelineDeps;

  constructor(d: PipelineDeps) {
    this.d = d;
  }

  prepare(batch: readonly Inbound<Decoded>[]): Prepared {
    const p: Prepared = { lines: [], reads: [], dead: [], letters: [], replays: [], fresh: [], readings: 0, seqs: [], newestSentAt: 0 };
    for (const m of batch) {
      let part: Prepared;
      try {
        part = this.prepareOne(m);
      } catch (err) {
        // A bug met by this message: it alone is dead-lettered, the batch goes on.
        part = this.prepareOne({ ...m, value: internalDead(m, err) });
      }
      p.lines.push(...part.lines);
      p.reads.push(...part.reads);
      p.dead.push(...part.dead);
      p.letters.push(...part.letters);
      p.replays.push(...part.replays);
      p.fresh.push(...part.fresh);
      p.readings += part.readings;
      p.seqs.push(...part.seqs);
      p.newestSentAt = Math.max(p.newestSentAt, part.newestSentAt);
    }
    return p;
  }

  /** A message that cannot be written even alone while both stores work: dead-lettered as `internal` with the error. */
  poisoned(m: Inbound<Decoded>, err: unknown): Prepared {
    return this.prepareOne({ ...m, value: internalDead(m, err) });
  }

  private prepareOne(m: Inbound<Decoded>): Prepared {
    const p: Prepared = { lines: [], reads: [], dead: [], letters: [], replays: [], fresh: [], readings: 0, seqs: [], newestSentAt: 0 };
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
      if (!m.replay) {
        p.seqs.push({ gateway: `${b.site}/${b.gateway}`, seq: b.seq, dup: m.dup, sentAt: b.sentAt, receivedAt: m.receivedAt });
        p.newestSentAt = Math.max(p.newestSentAt, b.sentAt);
      }
    } else if (v.kind === 'status') {
      p.lines.push(...statusLines(v.status));
    }
    p.letters.push(...letterRows(m.topic, m.payload, m.receivedAt, v.dead, this.d.maxLetterBytes));
    if (m.replay) {
      const again = v.dead.filter((d) => d.reason === m.replay!.reason || d.reason === 'internal');
      p.replays.push({ id: m.replay.id, attempt: m.replay.attempt, outcome: again.length > 0 ? 'dead' : 'written', detail: again.flatMap((d) => d.problems).slice(0, 50).join('\n') });
    } else {
      p.fresh.push(...v.dead);
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
    if (p.reads.length > 0 || p.letters.length > 0 || p.replays.length > 0) {
      // One turn of the event loop first, so the InfluxDB request is on its way while the ledger
      // transaction (synchronous with SQLite) holds the thread: InfluxDB works meanwhile.
      await new Promise((r) => setImmediate(r));
      try {
        await db.transaction(async (tx) => {
          if (p.reads.length > 0) await recorder.record(tx, p.reads, registry.tzOf, (this.d.now ?? Date.now)());
          await insertDeadLetters(tx, p.letters);
          for (const r of p.replays) await finishReplay(tx, r.id, r.attempt, r.outcome, r.detail);
        });
      } catch (err) {
        recorder.forget();
        metrics.writeFailures.inc({ store: 'ledger' });
        ledgerFailed = { err };
      }
    }
    const written = await influx;
    if (!written.ok) {
      metrics.writeFailures.inc({ store: 'influx' });
      this.lastFailedStore = 'influx';
      throw written.err;
    }
    if (ledgerFailed) {
      this.lastFailedStore = 'ledger';
      throw ledgerFailed.err;
    }
    this.lastFailedStore = undefined;
    const outcome = written.outcome;
    if (outcome.rejected > 0) {
      metrics.influxRejected.inc(outcome.rejected);
      log.error({ lines: outcome.rejected, error: outcome.rejectError }, 'InfluxDB refused lines as malformed');
    }
    for (const dl of p.fresh) {
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
    for (const r of p.replays) metrics.replays.inc({ outcome: r.outcome });
    for (const dl of p.fresh) {
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
 * A failure a retry can cure: the store was busy, locked, full, unreachable or restarting
 * (SQLite result codes, PostgreSQL classes 08 connection, 40 serialization/deadlock, 53 resources,
 * 57 operator intervention, and socket errors). Never a reason to dead-letter a message.
 */
export function isTransient(err: unknown): boolean {
  const raw = (err as { code?: unknown } | null)?.code;
  const code = typeof raw === 'string' ? raw : '';
  return /^SQLITE_(BUSY|LOCKED|IOERR|FULL|CANTOPEN|PROTOCOL|READONLY|NOMEM)/.test(code) || /^(08|40|53|57)[0-9A-Z]{3}$/.test(code) || /^E[A-Z]+$/.test(code);
}

function internalDead(m: Inbound<Decoded>, err: unknown): Decoded {
  const parts = m.topic.split('/');
  return { kind: 'dead', dead: [{ reason: 'internal', problems: [`/: ${errorText(err)}`], site: parts[2], gateway: parts[3], rejected: '(see the ledger)' }] };
}

/** The rejected value is shown up to this size in the published dead letter; the ledger keeps the whole payload. */
const MAX_SHOWN_CHARS = 64 * 1024;

/**
 * The dead-letter message. JSON.parse accepts nesting that JSON.stringify
 * cannot write back (stack overflow at a few thousand levels); such a
 * message must still be dead-lettered, or it would be retried forever and
 * hold up every message behind it. A rejected value too big for one MQTT
 * message is not shown (the ledger has it).
 */
function deadLetterBody(dl: DeadLetter): string {
  const body = { reason: dl.reason, problems: dl.problems.map((p) => (p.length > 1000 ? `${p.slice(0, 1000)}…` : p)), at: Date.now() };
  try {
    const shown = JSON.stringify({ ...body, rejected: dl.rejected });
    if (shown.length <= MAX_SHOWN_CHARS) return shown;
    return JSON.stringify({ ...body, rejected: `(not shown: ${shown.length} characters; the ledger's dead_letters keeps the payload)` });
  } catch (err) {
    return JSON.stringify({ ...body, rejected: `(not shown: ${(err as Error).message})` });
  }
}

import mqtt, { type MqttClient } from 'mqtt';
import { TELEMETRY_SCHEMA, topics, type GatewayStatus, type Reading, type TelemetryBatch } from '../../common/contract.ts';
import type { Logger } from '../../common/log.ts';
import { monotonicMs } from '../clock.ts';
import type { GatewayConfig } from '../config.ts';
import { DiskHealth, MemoryBuffer, SeqFile, Spool, type DiskHealthStats, type HeldBatch, type MemoryBufferStats, type SpoolEntry, type SpoolStats } from '../spool/index.ts';
import { mqttClientOptions } from './client-options.ts';

export interface PublisherStats {
  connected: boolean;
  lastSeq: number;
  sentLive: number;
  sentReplay: number;
  acked: number;
  ackTimeouts: number;
  inFlight: number;
  spool: SpoolStats;
  /** Batches the spool could not take, held in memory. */
  memory: MemoryBufferStats;
  disk: DiskHealthStats;
}

/** What the retained status says about the spool (common/contract.ts GatewayStatus.spool). */
export type SpoolStatus = NonNullable<GatewayStatus['spool']>;

/** A batch on its way: from the spool, or from memory when the spool could not take it. */
type Outgoing = SpoolEntry | HeldBatch;
const isHeld = (o: Outgoing): o is HeldBatch => 'payload' in o;

const TICK_MS = 25;
const CURSOR_SAVE_MS = 250;

/**
 * Publishes telemetry batches with QoS 1 through the spool: each batch is
 * appended (durably) first, sent at once when the broker is connected, and
 * acknowledged in the spool on PUBACK. What is not acknowledged is replayed,
 * oldest first, at a bounded rate, while new batches keep going out live.
 *
 * When the spool cannot be written (disk full, read-only after a power cut, I/O
 * error), batches are held in a bounded memory buffer instead, sent from there
 * as usual (one the broker acknowledges is done: it need not reach the disk),
 * and moved to the spool, oldest first, as soon as a retried write succeeds.
 * While anything is held, new batches join the buffer behind it, so the spool
 * and then the buffer stay in seq order.
 */
export class Publisher {
  private readonly client: MqttClient;
  private readonly spool: Spool;
  private readonly memory: MemoryBuffer;
  private readonly disk: DiskHealth;
  /** The seq file could not be written: written again on the next tick. */
  private seqUnsaved = false;
  private lastRetry = 0;
  private readonly seqFile: SeqFile;
  private readonly telemetryTopic: string;
  private readonly statusTopic: string;
  private nextSeq: number;
  private inFlight = 0;
  /** Bumped when the connection drops: callbacks of older sends no longer count as in flight. */
  private generation = 0;
  /** When each batch of the current generation was sent (monotonic ms), for the acknowledgement timeout. */
  private readonly sentAt = new Map<Outgoing, number>();
  private tokens = 0;
  private lastTick = monotonicMs();
  private lastCursorSave = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly counters = { sentLive: 0, sentReplay: 0, acked: 0, ackTimeouts: 0 };
  private lastStatus: GatewayStatus | undefined;
  private stopped = false;

  private readonly cfg: GatewayConfig;
  private readonly log: Logger;

  constructor(
    cfg: GatewayConfig,
    log: Logger,
    clientIdSuffix = '',
  ) {
    this.cfg = cfg;
    this.log = log;
    this.spool = Spool.open({ ...cfg.spool });
    this.disk = new DiskHealth(log);
    this.memory = new MemoryBuffer(cfg.spool.memoryBytes, (b) =>
      log.error({ seq: b.seq, readings: b.readings, evictedBatches: this.memory.stats().evictedBatches + 1, memoryBytes: cfg.spool.memoryBytes }, 'memory buffer full while the spool cannot be written: dropped its oldest batch'),
    );
    this.seqFile = new SeqFile(cfg.spool.dir, cfg.spool.fsync === 'always');
    this.nextSeq = Math.max(this.seqFile.read(), this.spool.maxSeq) + 1;
    this.telemetryTopic = topics.telemetry(cfg.site, cfg.gateway);
    this.statusTopic = topics.status(cfg.site, cfg.gateway);
    this.client = mqtt.connect(cfg.mqtt.url, mqttClientOptions(cfg, clientIdSuffix));
    this.client.on('connect', () => {
      log.info({ url: cfg.mqtt.url, backlog: this.spool.stats().batches }, 'connected to broker');
      if (this.lastStatus) this.publishStatus(this.lastStatus);
    });
    this.client.on('offline', () => log.warn({ url: cfg.mqtt.url }, 'broker unreachable; spooling'));
    // What was in flight may never be acknowledged (mqtt.js keeps it for a session we do not
    // resume): send it again from the spool after reconnecting. A duplicate at worst.
    this.client.on('close', () => this.abandonInFlight());
    this.client.on('error', (err) => log.warn({ err: err.message }, 'mqtt error'));
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  /** Makes one batch of the readings, spools it (or holds it in memory) and sends it; returns its seq. */
  publish(readings: Reading[], sentAt = Date.now()): number {
    const seq = this.nextSeq++;
    const batch: TelemetryBatch = { schema: TELEMETRY_SCHEMA, site: this.cfg.site, gateway: this.cfg.gateway, seq, sentAt, readings };
    const payload = Buffer.from(JSON.stringify(batch));
    const item = this.store(seq, payload, readings.length);
    this.saveSeq();
    // (a batch the full memory buffer evicted at once is not sent: it is counted as lost)
    if (item.state === 'pending' && this.client.connected && this.inFlight < this.cfg.spool.maxInFlight * 2) {
      item.state = 'busy';
      this.send(item, payload, 'live');
    }
    return seq;
  }

  /** Into the spool; into memory when the spool fails, or while older batches wait there. */
  private store(seq: number, payload: Buffer, readings: number): Outgoing {
    if (this.memory.size === 0) {
      try {
        const entry = this.spool.append(seq, payload);
        this.disk.succeeded();
        return entry;
      } catch (err) {
        this.disk.failed(err, 'spool', { seq });
      }
    }
    return this.memory.hold(seq, payload, readings);
  }

  /** Moves held batches to the spool, oldest first, until a write fails. */
  private retrySpool(): void {
    let moved = 0;
    for (const held of this.memory.all()) {
      let entry: SpoolEntry;
      try {
        entry = this.spool.append(held.seq, held.payload);
      } catch (err) {
        this.disk.failed(err, 'spool', { seq: held.seq, held: this.memory.size });
        return;
      }
      if (held.state === 'busy') entry.state = 'busy'; // in flight: its PUBACK acknowledges the spooled copy
      held.spooled = entry;
      this.memory.release(held);
      moved++;
    }
    if (moved > 0) this.disk.succeeded({ movedToSpool: moved });
  }

  private saveSeq(): void {
    try {
      this.seqFile.write(this.nextSeq - 1);
      this.seqUnsaved = false;
    } catch (err) {
      // The spool's newest seq also continues the count after a restart; only batches that were
      // held in memory could see their seq used again, and ingest stores readings by time, not seq.
      this.seqUnsaved = true;
      this.disk.failed(err, 'seq');
    }
  }

  /** Another write to the spool directory failed (the reading clock's last-ts): counted and logged with the rest. */
  noteWriteFailure(err: unknown, what: string): void {
    this.disk.failed(err, what);
  }

  /** Retained status; remembered and sent again after each reconnect (the birth message). */
  publishStatus(status: GatewayStatus): void {
    this.lastStatus = status;
    if (!this.client.connected) return;
    this.client.publish(this.statusTopic, JSON.stringify({ ...status, ts: Date.now() }), { qos: 1, retain: true }, (err) => {
      if (err) this.log.warn({ err: err.message }, 'status publish failed');
    });
  }

  private abandonInFlight(): void {
    if (this.inFlight === 0 && this.sentAt.size === 0) return;
    this.generation++;
    this.inFlight = 0;
    this.sentAt.clear();
    this.spool.rewind();
    this.memory.rewind();
  }

  private send(item: Outgoing, payload: Buffer, how: 'live' | 'replay'): void {
    this.inFlight++;
    this.sentAt.set(item, monotonicMs());
    const generation = this.generation;
    this.counters[how === 'live' ? 'sentLive' : 'sentReplay']++;
    this.client.publish(this.telemetryTopic, payload, { qos: 1 }, (err) => {
      // A callback from before the connection dropped proves nothing: mqtt.js restarts message ids
      // on reconnect, so it may belong to another message. The batch was sent again from the spool.
      if (generation !== this.generation) return;
      this.inFlight--;
      this.sentAt.delete(item);
      const entry = isHeld(item) ? item.spooled : item;
      if (err) {
        // Not acknowledged: it stays in the spool (or in memory) and goes again (a duplicate at worst).
        if (entry) {
          if (entry.state === 'busy') entry.state = 'pending';
          this.spool.rewind();
        } else if (isHeld(item) && item.state === 'busy') item.state = 'pending';
        return;
      }
      this.counters.acked++;
      if (entry) this.spool.ack(entry);
      else if (isHeld(item)) this.memory.release(item);
    });
  }

  /** Replays the backlog at the configured rate, and saves the cursor now and then. */
  private tick(): void {
    const now = monotonicMs();
    const oldest = this.sentAt.values().next().value;
    if (oldest !== undefined && now - oldest > this.cfg.mqtt.ackTimeoutMs) {
      // A link that looks up but acknowledges nothing (a stuck session, a broker that dropped the
      // packet): send everything in flight again rather than wait for a reconnect that may not come.
      this.log.warn({ inFlight: this.inFlight, waitedMs: now - oldest }, 'no acknowledgement in time; sending again from the spool');
      this.counters.ackTimeouts++;
      this.abandonInFlight();
    }
    const rate = this.cfg.spool.replayBatchesPerSecond;
    this.tokens = Math.min(Math.max(1, rate * 0.1), this.tokens + ((now - this.lastTick) / 1000) * rate);
    this.lastTick = now;
    if (this.memory.size > 0 && now - this.lastRetry >= this.cfg.spool.retryMs) {
      this.lastRetry = now;
      this.retrySpool();
    }
    if (this.seqUnsaved) this.saveSeq();
    // the spool holds the older batches, memory the newer: together, oldest first
    while (this.client.connected && this.tokens >= 1 && this.inFlight < this.cfg.spool.maxInFlight) {
      const entry = this.spool.next();
      if (entry) {
        this.tokens--;
        this.send(entry, this.spool.read(entry), 'replay');
        continue;
      }
      const held = this.memory.next();
      if (!held) break;
      this.tokens--;
      this.send(held, held.payload, 'replay');
    }
    if (now - this.lastCursorSave >= CURSOR_SAVE_MS) {
      this.lastCursorSave = now;
      try {
        this.spool.saveCursor();
      } catch (err) {
        this.disk.failed(err, 'cursor');
      }
    }
  }

  stats(): PublisherStats {
    return { connected: this.client.connected, lastSeq: this.nextSeq - 1, inFlight: this.inFlight, ...this.counters, spool: this.spool.stats(), memory: this.memory.stats(), disk: this.disk.stats() };
  }

  spoolStats(): SpoolStats {
    return this.spool.stats();
  }

  /** The spool part of the retained status: disk, memory buffer and write failures. */
  spoolStatus(): SpoolStatus {
    const s = this.spool.stats();
    const m = this.memory.stats();
    return {
      bytes: s.bytes,
      batches: s.batches,
      evictedBatches: s.evictedBatches,
      memoryBatches: m.batches,
      memoryBytes: m.bytes,
      memoryEvictedBatches: m.evictedBatches,
      memoryEvictedReadings: m.evictedReadings,
      ...this.disk.stats(),
    };
  }

  /** Says goodbye (retained offline status), waits briefly for acks, and closes the spool. */
  async stop(finalStatus?: GatewayStatus): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    if (finalStatus && this.client.connected) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 2000);
        this.client.publish(this.statusTopic, JSON.stringify(finalStatus), { qos: 1, retain: true }, () => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    if (this.memory.size > 0) this.retrySpool();
    // What is only in memory is gone with the process unless the broker takes it now.
    for (let held = this.memory.next(); held && this.client.connected; held = this.memory.next()) this.send(held, held.payload, 'replay');
    const deadline = monotonicMs() + 2000;
    while ((this.inFlight > 0 || this.memory.size > 0) && this.client.connected && monotonicMs() < deadline) await new Promise((r) => setTimeout(r, 20));
    const lost = this.memory.stats();
    if (lost.batches > 0) this.log.error({ batches: lost.batches, seqs: this.memory.all().map((b) => b.seq) }, 'stopping with batches that neither the spool nor the broker took: they are lost');
    await this.client.endAsync(true);
    this.spool.close();
  }
}

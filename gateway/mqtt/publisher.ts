import mqtt, { type MqttClient } from 'mqtt';
import { TELEMETRY_SCHEMA, topics, type GatewayStatus, type Reading, type TelemetryBatch } from '../../common/contract.ts';
import type { Logger } from '../../common/log.ts';
import { monotonicMs } from '../clock.ts';
import type { GatewayConfig } from '../config.ts';
import { SeqFile, Spool, type SpoolEntry, type SpoolStats } from '../spool/index.ts';
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
}

const TICK_MS = 25;
const CURSOR_SAVE_MS = 250;

/**
 * Publishes telemetry batches with QoS 1 through the spool: each batch is
 * appended (durably) first, sent at once when the broker is connected, and
 * acknowledged in the spool on PUBACK. What is not acknowledged is replayed,
 * oldest first, at a bounded rate, while new batches keep going out live.
 */
export class Publisher {
  private readonly client: MqttClient;
  private readonly spool: Spool;
  private readonly seqFile: SeqFile;
  private readonly telemetryTopic: string;
  private readonly statusTopic: string;
  private nextSeq: number;
  private inFlight = 0;
  /** Bumped when the connection drops: callbacks of older sends no longer count as in flight. */
  private generation = 0;
  /** When each batch of the current generation was sent (monotonic ms), for the acknowledgement timeout. */
  private readonly sentAt = new Map<SpoolEntry, number>();
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

  /** Makes one batch of the readings, spools it and sends it; returns its seq. */
  publish(readings: Reading[], sentAt = Date.now()): number {
    const seq = this.nextSeq++;
    const batch: TelemetryBatch = { schema: TELEMETRY_SCHEMA, site: this.cfg.site, gateway: this.cfg.gateway, seq, sentAt, readings };
    const payload = Buffer.from(JSON.stringify(batch));
    const entry = this.spool.append(seq, payload);
    this.seqFile.write(seq);
    if (this.client.connected && this.inFlight < this.cfg.spool.maxInFlight * 2) {
      entry.state = 'busy';
      this.send(entry, payload, 'live');
    }
    return seq;
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
  }

  private send(entry: SpoolEntry, payload: Buffer, how: 'live' | 'replay'): void {
    this.inFlight++;
    this.sentAt.set(entry, monotonicMs());
    const generation = this.generation;
    this.counters[how === 'live' ? 'sentLive' : 'sentReplay']++;
    this.client.publish(this.telemetryTopic, payload, { qos: 1 }, (err) => {
      // A callback from before the connection dropped proves nothing: mqtt.js restarts message ids
      // on reconnect, so it may belong to another message. The entry was sent again from the spool.
      if (generation !== this.generation) return;
      this.inFlight--;
      this.sentAt.delete(entry);
      if (err) {
        // Not acknowledged: it stays in the spool and goes again (a duplicate at worst).
        if (entry.state === 'busy') entry.state = 'pending';
        this.spool.rewind();
        return;
      }
      this.counters.acked++;
      this.spool.ack(entry);
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
    while (this.client.connected && this.tokens >= 1 && this.inFlight < this.cfg.spool.maxInFlight) {
      const entry = this.spool.next();
      if (!entry) break;
      this.tokens--;
      this.send(entry, this.spool.read(entry), 'replay');
    }
    if (now - this.lastCursorSave >= CURSOR_SAVE_MS) {
      this.lastCursorSave = now;
      this.spool.saveCursor();
    }
  }

  stats(): PublisherStats {
    return { connected: this.client.connected, lastSeq: this.nextSeq - 1, inFlight: this.inFlight, ...this.counters, spool: this.spool.stats() };
  }

  spoolStats(): SpoolStats {
    return this.spool.stats();
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
    const deadline = monotonicMs() + 2000;
    while (this.inFlight > 0 && this.client.connected && monotonicMs() < deadline) await new Promise((r) => setTimeout(r, 20));
    await this.client.endAsync(true);
    this.spool.close();
  }
}

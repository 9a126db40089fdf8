import { readFileSync } from 'node:fs';
import mqtt, { type IClientOptions, type IPublishPacket, type MqttClient, type Packet } from 'mqtt';
import { SunshareError } from '../common/errors.ts';
import type { Logger } from '../common/log.ts';

export interface Inbound<T> {
  topic: string;
  /** The payload exactly as received (kept for the dead-letter store and a re-decode after a registry reload). */
  payload: Buffer;
  /** Set when this is a dead letter being replayed (not from the broker: nothing to acknowledge). */
  replay?: ReplayTag;
  dup: boolean;
  receivedAt: number;
  value: T;
  /** How much of a batch this message fills (readings). */
  weight: number;
  qos: number;
  messageId: number | undefined;
  generation: number;
}

export interface ConsumerOptions {
  url: string;
  clientId: string;
  username?: string;
  password?: string;
  ca?: string;
  topics: string[];
  inFlight: number;
  keepaliveSec: number;
  /** The clock a message's receive time is taken from (Date.now unless ingest runs on a simulated clock). */
  now?: () => number;
}

export interface ReplayTag {
  id: string;
  attempt: number;
  reason: string;
}

type SendPacket = (packet: Packet, cb?: (err?: Error) => void, ...rest: unknown[]) => void;

/**
 * An MQTT subscriber that acknowledges a QoS 1 message only when told to
 * (after its batch is durably written), while keeping up to `inFlight`
 * messages in flight.
 *
 * mqtt.js sends PUBACK as soon as handleMessage calls back, and only then
 * reads the next packet; waiting there would allow one message in flight.
 * So handleMessage calls back at once (until `inFlight` messages are unacked:
 * then it waits, which is the backpressure) and the PUBACK it triggers is
 * held back here and sent by ack(). A persistent session (clean: false)
 * makes the broker redeliver whatever was never acknowledged.
 */
export class DeferredAckConsumer<T> {
  private client: MqttClient | undefined;
  private queue: Inbound<T>[] = [];
  private unacked = 0;
  private blocked: (() => void)[] = [];
  private held = new Set<number>();
  private generation = 0;
  private wake: (() => void) | undefined;
  private sendPacket: SendPacket | undefined;
  private stopped = false;
  private inProgressSince: number | undefined;

  private readonly opts: ConsumerOptions;
  private readonly decode: (topic: string, payload: Buffer, receivedAt: number) => { value: T; weight: number };
  private readonly log: Logger;

  constructor(
    opts: ConsumerOptions,
    decode: (topic: string, payload: Buffer, receivedAt: number) => { value: T; weight: number },
    log: Logger,
  ) {
    this.opts = opts;
    this.decode = decode;
    this.log = log;
  }

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  get pending(): number {
    return this.unacked;
  }

  async start(): Promise<void> {
    const o = this.opts;
    const options: IClientOptions = {
      clientId: o.clientId,
      clean: false,
      keepalive: o.keepaliveSec,
      reconnectPeriod: 1000,
      connectTimeout: 10_000,
      resubscribe: true,
      ...(o.username !== undefined ? { username: o.username } : {}),
      ...(o.password !== undefined ? { password: o.password } : {}),
      ...(o.ca ? { ca: readFileSync(o.ca) } : {}),
    };
    const client = mqtt.connect(o.url, options);
    this.client = client;
    const internals = client as unknown as { _sendPacket: SendPacket };
    const send = internals._sendPacket.bind(client);
    this.sendPacket = send;
    internals._sendPacket = (packet, cb, ...rest) => {
      if (packet.cmd === 'puback' && packet.messageId !== undefined && this.held.has(packet.messageId)) {
        cb?.();
        return;
      }
      send(packet, cb, ...rest);
    };
    client.handleMessage = (packet: IPublishPacket, callback) => this.onPublish(packet, callback);
    client.on('connect', () => {
      this.generation++;
      this.held.clear();
      // Messages of an older connection are redelivered on this one: drop the unprocessed copies.
      const stale = this.queue.filter((m) => m.generation !== this.generation).length;
      this.queue = this.queue.filter((m) => m.generation === this.generation);
      this.unacked -= stale;
      this.log.info({ url: o.url, clientId: o.clientId }, 'ingest connected to MQTT');
    });
    client.on('close', () => this.releaseBlocked(true));
    client.on('error', (err) => this.log.warn({ err: err.message }, 'MQTT error'));

    await new Promise<void>((resolve, reject) => {
      const fail = (err: Error) => {
        client.end(true);
        reject(new SunshareError('MQTT_CONNECT_FAILED', `cannot connect to MQTT broker ${o.url}: ${err.message}`, { cause: err }));
      };
      client.once('connect', () => {
        client.off('error', fail);
        resolve();
      });
      client.once('error', fail);
    });
    const granted = await client.subscribeAsync(o.topics, { qos: 1 });
    const refused = granted.filter((g) => g.qos === 128);
    if (refused.length > 0) {
      await client.endAsync(true);
      throw new SunshareError('MQTT_SUBSCRIBE_REFUSED', 'the broker refused the subscription', { details: refused.map((g) => `${g.topic}: not authorized`) });
    }
  }

  private onPublish(packet: IPublishPacket, callback: (err?: Error) => void): void {
    const receivedAt = (this.opts.now ?? Date.now)();
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : Buffer.from(packet.payload);
    const { value, weight } = this.decode(packet.topic, payload, receivedAt);
    if (packet.qos > 0 && packet.messageId !== undefined) this.held.add(packet.messageId);
    this.queue.push({ topic: packet.topic, payload, dup: packet.dup, receivedAt, value, weight, qos: packet.qos, messageId: packet.messageId, generation: this.generation });
    this.unacked++;
    this.wake?.();
    if (this.unacked < this.opts.inFlight) callback();
    else this.blocked.push(callback);
  }

  /**
   * Puts a message that did not come from the broker (a dead letter being replayed) into the stream,
   * so it goes through the same batches, writes and checks; it is counted as pending until written.
   */
  inject(topic: string, payload: Buffer, replay: ReplayTag): void {
    const receivedAt = (this.opts.now ?? Date.now)();
    const { value, weight } = this.decode(topic, payload, receivedAt);
    this.queue.push({ topic, payload, replay, dup: false, receivedAt, value, weight, qos: 0, messageId: undefined, generation: this.generation });
    this.unacked++;
    this.wake?.();
  }

  /** How long ago the oldest message not yet acknowledged was received (0: none pending). */
  oldestPendingAgeMs(): number {
    const since = this.inProgressSince ?? this.queue[0]?.receivedAt;
    return since === undefined ? 0 : Math.max(0, (this.opts.now ?? Date.now)() - since);
  }

  private releaseBlocked(all = false): void {
    while (this.blocked.length > 0 && (all || this.unacked < this.opts.inFlight)) this.blocked.shift()!();
  }

  /** Waits for messages, then up to maxWaitMs more while the batch is lighter than maxWeight; returns them (not yet acknowledged). */
  async take(maxWeight: number, maxWaitMs: number): Promise<Inbound<T>[]> {
    while (this.queue.length === 0 && !this.stopped) await new Promise<void>((r) => (this.wake = r));
    const deadline = Date.now() + maxWaitMs;
    const weight = () => this.queue.reduce((s, m) => s + m.weight, 0);
    while (!this.stopped && weight() < maxWeight && this.blocked.length === 0 && Date.now() < deadline) {
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.max(0, deadline - Date.now()));
        this.wake = () => {
          clearTimeout(t);
          r();
        };
      });
    }
    this.wake = undefined;
    let n = 0;
    let w = 0;
    while (n < this.queue.length && (n === 0 || w + this.queue[n]!.weight <= maxWeight)) w += this.queue[n++]!.weight;
    const taken = this.queue.splice(0, n);
    this.inProgressSince = taken.length > 0 ? taken.reduce((t, m) => Math.min(t, m.receivedAt), Infinity) : undefined;
    return taken;
  }

  /** Sends the held PUBACKs of a durably written batch; those of an older connection are dropped (the broker redelivers them). */
  ack(batch: readonly Inbound<T>[]): void {
    this.inProgressSince = undefined;
    for (const m of batch) {
      this.unacked--;
      if (m.qos === 0 || m.messageId === undefined || m.generation !== this.generation) continue;
      this.held.delete(m.messageId);
      this.sendPacket?.({ cmd: 'puback', messageId: m.messageId });
    }
    this.releaseBlocked();
  }

  async publish(topic: string, payload: string): Promise<void> {
    await this.client?.publishAsync(topic, payload, { qos: 1 });
  }

  /** Makes take() return at once and take nothing more. */
  interrupt(): void {
    this.stopped = true;
    this.wake?.();
  }

  /** Disconnects; unacknowledged messages stay with the broker for the next session. */
  async stop(): Promise<void> {
    this.interrupt();
    this.releaseBlocked(true);
    // A clean DISCONNECT lets the PUBACKs already sent reach the broker; without a connection there is nothing to flush.
    await this.client?.endAsync(!this.connected);
  }
}

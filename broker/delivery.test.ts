import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type IPublishPacket, type MqttClient, type Packet } from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from '../common/testing/index.ts';
import { startBroker, type BrokerHandle } from './index.ts';

const uid = () => Math.random().toString(36).slice(2, 8);
type SendPacket = (packet: Packet, cb?: () => void, ...rest: unknown[]) => void;

/**
 * A clean:false subscriber that acknowledges like ingest does: handleMessage
 * calls back at once and the PUBACK is held back and sent later (here after a
 * random delay), so many messages are in flight at once.
 */
function slowAckSubscriber(url: string, clientId: string, topic: string, onMessage: (payload: string) => void): MqttClient {
  const client = mqtt.connect(url, { clientId, clean: false, reconnectPeriod: 100, connectTimeout: 2000 });
  const internals = client as unknown as { _sendPacket: SendPacket };
  const send = internals._sendPacket.bind(client);
  internals._sendPacket = (packet, cb, ...rest) => {
    if (packet.cmd !== 'puback') return send(packet, cb, ...rest);
    cb?.();
    setTimeout(() => {
      if (client.connected) send(packet, undefined, ...rest);
    }, Math.random() * 40);
  };
  client.handleMessage = (packet: IPublishPacket, callback) => {
    onMessage(packet.payload.toString());
    callback();
  };
  client.on('connect', (connack) => {
    if (!connack.sessionPresent) client.subscribe(topic, { qos: 1 });
  });
  return client;
}

/**
 * Publishes `count` QoS 1 messages "<publisher>:<seq>" (seq from `from`) to `<prefix>/telemetry`,
 * `window` unacknowledged at a time, each with a retained status like a gateway's.
 */
async function publishAll(client: MqttClient, prefix: string, name: string, from: number, count: number, window: number, progress: { sent: number }): Promise<void> {
  let next = from;
  const worker = async () => {
    while (next < from + count) {
      const seq = next++;
      await Promise.all([
        client.publishAsync(`${prefix}/status`, `${name}:status:${seq}`, { qos: 1, retain: true }),
        client.publishAsync(`${prefix}/telemetry`, `${name}:${seq}`, { qos: 1 }),
      ]);
      progress.sent++;
    }
  };
  await Promise.all(Array.from({ length: window }, worker));
}

describe('embedded broker with the on-disk session store under load', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sunshare-broker-loss-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // aedes' per-client dedupe dropped a message whose store write finished after a later one's
  // (retained status before telemetry, as a gateway sends them); it stayed queued on disk and
  // came only with the next reconnect, so phase 2 (no restart, no reconnect) lost it for good.
  it('delivers every QoS 1 message to a slow persistent subscriber, across broker restarts and after them', async () => {
    const store = join(dir, `store-${uid()}`);
    const start = (port: number) => startBroker({ port, host: '127.0.0.1', allowAnonymous: true, persistence: store });
    let broker: BrokerHandle = await start(0);
    const port = broker.port;
    const prefix = `sunshare/v1/loss${uid()}`;
    const got = new Set<string>();
    const sub = slowAckSubscriber(broker.url, `ingest-${uid()}`, `${prefix}/+/+/+`, (p) => got.add(p));
    await waitFor(async () => sub.connected, 'subscriber connected', 5000);
    await new Promise((r) => setTimeout(r, 200));

    const publishers = 6;
    const perPhase = 300;
    const pubs = Array.from({ length: publishers }, (_, i) => mqtt.connect(broker.url, { clientId: `gw${i}-${uid()}`, reconnectPeriod: 100, connectTimeout: 2000 }));
    const expected = (from: number) => pubs.flatMap((_, i) => Array.from({ length: perPhase }, (_, s) => [`g${i}:${from + s}`, `g${i}:status:${from + s}`]).flat());
    const missingOf = async (want: string[]) => {
      await waitFor(async () => want.every((m) => got.has(m)), 'every message delivered', 15_000).catch(() => undefined);
      return want.filter((m) => !got.has(m));
    };
    try {
      // phase 1: two broker restarts while the publishers send
      const progress = { sent: 0 };
      const sending = Promise.all(pubs.map((p, i) => publishAll(p, `${prefix}/s${i}/g${i}`, `g${i}`, 0, perPhase, 5, progress)));
      for (const share of [1 / 4, 1 / 2]) {
        await waitFor(async () => progress.sent >= share * publishers * perPhase, 'messages flowing before the restart', 20_000, 5);
        await broker.stop();
        broker = await start(port);
      }
      await sending;
      expect(await missingOf(expected(0))).toEqual([]);
      // phase 2: the same load on the reopened store, nothing restarts
      await Promise.all(pubs.map((p, i) => publishAll(p, `${prefix}/s${i}/g${i}`, `g${i}`, perPhase, perPhase, 5, progress)));
      expect(await missingOf(expected(perPhase))).toEqual([]);
    } finally {
      await Promise.all([...pubs, sub].map((c) => c.endAsync(true)));
      await broker.stop();
    }
  });
});

describe('embedded broker: each message once per client', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sunshare-broker-once-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const clean of [true, false]) {
    it(`sends a message matching two of a client's subscriptions once (clean: ${clean}, on-disk store)`, async () => {
      const broker = await startBroker({ port: 0, host: '127.0.0.1', allowAnonymous: true, persistence: join(dir, `store-${uid()}`) });
      const prefix = `sunshare/v1/once${uid()}`;
      const sub = await mqtt.connectAsync(broker.url, { clientId: `sub-${uid()}`, clean, reconnectPeriod: 0 });
      const got: string[] = [];
      sub.on('message', (_t, p) => got.push(p.toString()));
      await sub.subscribeAsync([`${prefix}/#`, `${prefix}/+/telemetry`], { qos: 1 });
      const pub = await mqtt.connectAsync(broker.url, { clientId: `pub-${uid()}`, reconnectPeriod: 0 });
      for (let i = 0; i < 50; i++) await pub.publishAsync(`${prefix}/s1/telemetry`, String(i), { qos: 1 });
      await waitFor(async () => got.length >= 50, '50 messages', 5000);
      await new Promise((r) => setTimeout(r, 300));
      expect(got.map(Number).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
      await Promise.all([pub.endAsync(), sub.endAsync()]);
      await broker.stop();
    });
  }
});

describe('embedded broker: stopping with writes under way', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sunshare-broker-stop-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps every message it acknowledged when stopped in the middle of a burst', async () => {
    const store = join(dir, `store-${uid()}`);
    let broker = await startBroker({ port: 0, host: '127.0.0.1', allowAnonymous: true, persistence: store });
    const port = broker.port;
    const topic = `sunshare/v1/stop${uid()}/s1/g1/telemetry`;
    const clientId = `ingest-${uid()}`;
    const sub = await mqtt.connectAsync(broker.url, { clientId, clean: false, reconnectPeriod: 0 });
    await sub.subscribeAsync(topic, { qos: 1 });
    await sub.endAsync();
    const pub = await mqtt.connectAsync(broker.url, { clientId: `gw-${uid()}`, reconnectPeriod: 0 });
    const acked = new Set<number>();
    const burst = Array.from({ length: 2000 }, (_, i) => pub.publishAsync(topic, String(i), { qos: 1 }).then(() => acked.add(i), () => undefined));
    await waitFor(async () => acked.size >= 200, 'the burst under way', 10_000, 1);
    await broker.stop();
    await Promise.race([Promise.all(burst), new Promise((r) => setTimeout(r, 500))]);
    pub.end(true);
    const acknowledged = [...acked];
    broker = await startBroker({ port, host: '127.0.0.1', allowAnonymous: true, persistence: store });
    const got = new Set<number>();
    const again = mqtt.connect(broker.url, { clientId, clean: false, reconnectPeriod: 0 });
    again.on('message', (_t, p) => got.add(Number(p.toString())));
    await waitFor(async () => acknowledged.every((i) => got.has(i)), 'every acknowledged message', 10_000).catch(() => undefined);
    await again.endAsync();
    await broker.stop();
    expect(acknowledged.length).toBeGreaterThan(0);
    expect(acknowledged.filter((i) => !got.has(i))).toEqual([]);
  });
});

import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../common/testing/index.ts';
import { restartableDemo } from './testing.ts';

describe("the demo's broker keeps sessions on disk", () => {
  const demo = restartableDemo('sunshare-demo-broker-');

  it('queues batches for an offline persistent subscriber across a demo restart, every one of them', async () => {
    const key = 'ry-01/gw1';
    const first = await demo.start();
    await waitFor(async () => demo.maxSeq(key) >= 2, 'batches flowing', 30_000, 100);
    const clientId = `watcher-${Math.random().toString(36).slice(2, 8)}`;
    const topic = 'sunshare/v1/ry-01/gw1/telemetry';
    const watcher = await mqtt.connectAsync(first.mqttUrl, { clientId, clean: false, reconnectPeriod: 0 });
    await watcher.subscribeAsync(topic, { qos: 1 });
    await watcher.endAsync();
    const from = demo.maxSeq(key) + 2; // surely published after the watcher left: one more may have been in flight
    await waitFor(async () => demo.maxSeq(key) >= from + 4, 'batches while the watcher is away', 30_000, 100);
    await demo.stop();
    const to = demo.maxSeq(key); // the last batch of the first run

    const second = await demo.start();
    const seqs = new Set<number>();
    const again = mqtt.connect(second.mqttUrl, { clientId, clean: false, reconnectPeriod: 0 });
    again.on('message', (_t, payload) => seqs.add((JSON.parse(payload.toString()) as { seq: number }).seq));
    const wanted = Array.from({ length: to - from + 1 }, (_, i) => from + i);
    await waitFor(async () => wanted.every((s) => seqs.has(s)), 'the queued batches of the first run', 15_000, 100).catch(() => undefined);
    await again.endAsync();
    expect(wanted.filter((s) => !seqs.has(s)), 'batches of the first run never delivered to the watcher').toEqual([]);
  }, 100_000);
});

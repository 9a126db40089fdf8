import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from '../common/testing/index.js';
import { startInfluxSink, type InfluxSink } from './influx-sink.js';
import { startDemo, type Demo } from './index.js';

const maxSeq = (sink: InfluxSink, key: string) => Math.max(-1, ...(sink.batches().get(key) ?? []));

describe("the demo's broker keeps sessions on disk", () => {
  const dir = mkdtempSync(join(tmpdir(), 'sunshare-demo-broker-'));
  const opts = { apiPort: 0, mqttPort: 0, dataDir: join(dir, 'data'), daySeconds: 30, sites: 2, households: 3 };
  let sink: InfluxSink | undefined;
  let running: Demo | undefined;
  afterAll(async () => {
    await running?.stop();
    await sink?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('queues batches for an offline persistent subscriber across a demo restart, every one of them', async () => {
    sink = await startInfluxSink();
    const key = 'ry-01/gw1';
    running = await startDemo(opts, undefined, { influxSink: sink });
    await waitFor(async () => maxSeq(sink!, key) >= 2, 'batches flowing', 30_000, 100);
    const clientId = `watcher-${Math.random().toString(36).slice(2, 8)}`;
    const topic = 'sunshare/v1/ry-01/gw1/telemetry';
    const watcher = await mqtt.connectAsync(running.mqttUrl, { clientId, clean: false, reconnectPeriod: 0 });
    await watcher.subscribeAsync(topic, { qos: 1 });
    await watcher.endAsync();
    const from = maxSeq(sink, key) + 2; // surely published after the watcher left: one more may have been in flight
    await waitFor(async () => maxSeq(sink!, key) >= from + 4, 'batches while the watcher is away', 30_000, 100);
    await running.stop();
    running = undefined;
    const to = maxSeq(sink, key); // the last batch of the first run

    running = await startDemo({ ...opts, fresh: false }, undefined, { influxSink: sink });
    const seqs = new Set<number>();
    const again = mqtt.connect(running.mqttUrl, { clientId, clean: false, reconnectPeriod: 0 });
    again.on('message', (_t, payload) => seqs.add((JSON.parse(payload.toString()) as { seq: number }).seq));
    const wanted = Array.from({ length: to - from + 1 }, (_, i) => from + i);
    await waitFor(async () => wanted.every((s) => seqs.has(s)), 'the queued batches of the first run', 15_000, 100).catch(() => undefined);
    await again.endAsync();
    expect(wanted.filter((s) => !seqs.has(s)), 'batches of the first run never delivered to the watcher').toEqual([]);
  }, 100_000);
});

import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATUS_SCHEMA, topics } from '../../common/contract.ts';
import { silentLogger } from '../../common/log.ts';
import { mosquittoAvailable, startMosquitto, waitFor, type MosquittoServer } from '../../common/testing/index.ts';
import { batchFor } from '../fixtures.ts';
import { startLiveFeed, type LiveFeed } from './feed.ts';
import { LiveStatusStore } from './store.ts';

describe.skipIf(!mosquittoAvailable())('live feed over a real Mosquitto', () => {
  let broker: MosquittoServer;
  let feed: LiveFeed;
  const store = new LiveStatusStore();
  const counts = { status: 0, telemetry: 0, rejected: 0 };

  beforeAll(async () => {
    broker = await startMosquitto();
    feed = await startLiveFeed({ url: broker.url, store, log: silentLogger, onMessage: (k) => counts[k]++ });
  });
  afterAll(async () => {
    await feed?.close();
    await broker?.destroy();
  });

  it('applies retained status and telemetry, and counts what breaks the contract without applying it', async () => {
    const pub = await mqtt.connectAsync(broker.url, { clientId: `test-gw-${Math.random().toString(16).slice(2)}` });
    const t = Date.parse('2026-06-01T03:00:00Z');
    await pub.publishAsync(topics.status('liveA', 'gw1'), JSON.stringify({ schema: STATUS_SCHEMA, site: 'liveA', gateway: 'gw1', online: true, ts: t }), { qos: 1, retain: true });
    await pub.publishAsync(topics.telemetry('liveA', 'gw1'), JSON.stringify(batchFor('liveA', 1, t, 1000, 10, 100)), { qos: 1 });
    await pub.publishAsync(topics.telemetry('liveA', 'gw1'), JSON.stringify(batchFor('liveA', 2, t + 60_000, 2000, 20, 150)), { qos: 1 });
    await pub.publishAsync(topics.telemetry('liveA', 'gw1'), '{"schema":"sunshare.telemetry/1","site":"liveA"', { qos: 1 }); // cut short
    await pub.publishAsync(topics.telemetry('liveA', 'gw1'), JSON.stringify({ ...batchFor('liveA', 3, t + 120_000, -5e9, 30, 200) }), { qos: 1 }); // impossible power
    await pub.publishAsync(topics.telemetry('liveB', 'gw1'), JSON.stringify(batchFor('liveA', 4, t, 1, 1, 1)), { qos: 1 }); // topic and body disagree
    await waitFor(async () => counts.telemetry + counts.rejected >= 5, 'five telemetry messages');
    expect(counts).toMatchObject({ status: 1, telemetry: 2, rejected: 3 });
    expect(store.site('liveA')).toMatchObject({ online: true, powerW: 6000, energyTodayWh: 50 });
    expect(store.siteIds()).not.toContain('liveB');

    await pub.publishAsync(topics.status('liveA', 'gw1'), JSON.stringify({ schema: STATUS_SCHEMA, site: 'liveA', gateway: 'gw1', online: false, ts: t + 1 }), { qos: 1, retain: true });
    await waitFor(async () => !store.site('liveA').online, 'the offline status');
    await pub.endAsync();
  });
});

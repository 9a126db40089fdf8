import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATUS_SCHEMA, TOPIC_ROOT, type Reading } from '../../common/contract.ts';
import { silentLogger } from '../../common/log.ts';
import { freePort, startMosquitto, SYSTEM_MOSQUITTO_URL, systemMosquittoAvailable, mosquittoAvailable, waitFor } from '../../common/testing/index.ts';
import { parseGatewayConfig } from '../config.ts';
import { startAedes } from '../testing/aedes.ts';
import { collect } from '../testing/collector.ts';
import { removeTestSpools, testConfig } from '../testing/config.ts';
import { makeTestPki, type TestPki } from '../testing/tls.ts';
import { Publisher } from './publisher.ts';

afterAll(removeTestSpools);

const reading = (): Reading => ({ device: 'inv1', kind: 'inverter', ts: Date.now(), ac_power_w: 1234.5, ac_energy_wh: 1e6 });
const prefix = (raw: { site: string; gateway: string }) => `${TOPIC_ROOT}/${raw.site}/${raw.gateway}`;

async function publishAndCollect(url: string, over: Record<string, unknown> = {}, collectorOpts = {}) {
  const raw = testConfig(url, over);
  const col = await collect(url, prefix(raw), collectorOpts);
  const pub = new Publisher(parseGatewayConfig(raw), silentLogger);
  pub.publishStatus({ schema: STATUS_SCHEMA, site: raw.site, gateway: raw.gateway, online: true, ts: Date.now() });
  await waitFor(async () => pub.stats().connected, 'publisher connected', 10_000);
  for (let i = 0; i < 5; i++) pub.publish([reading()]);
  await waitFor(async () => col.batches.length === 5, '5 batches', 10_000);
  await waitFor(async () => pub.stats().spool.batches === 0, 'spool drained', 10_000);
  expect(col.batches.map((b) => b.seq).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4]);
  expect(col.invalid).toEqual([]);
  await waitFor(async () => col.statuses.some((s) => s.online), 'birth status', 10_000);
  await pub.stop({ schema: STATUS_SCHEMA, site: raw.site, gateway: raw.gateway, online: false, ts: Date.now() });
  await waitFor(async () => col.statuses.at(-1)?.online === false, 'offline status', 10_000);
  await col.close();
  return raw;
}

describe('publisher against aedes', () => {
  let pki: TestPki;
  beforeAll(() => (pki = makeTestPki()));
  afterAll(() => pki.destroy());

  it('publishes with username/password, and spools instead when the password is wrong', async () => {
    const broker = await startAedes({ username: 'gw', password: 's3cret' });
    try {
      await publishAndCollect(broker.url, { mqtt: { username: 'gw', password: 's3cret' } }, { username: 'gw', password: 's3cret' });
      const raw = testConfig(broker.url, { mqtt: { username: 'gw', password: 'wrong' } });
      const pub = new Publisher(parseGatewayConfig(raw), silentLogger);
      pub.publish([reading()]);
      await new Promise((r) => setTimeout(r, 500));
      expect(pub.stats()).toMatchObject({ connected: false, spool: { batches: 1 } });
      await pub.stop();
    } finally {
      await broker.stop();
    }
  });

  it('publishes over TLS with a CA and a client certificate', async () => {
    const ca = readFileSync(pki.caFile);
    const broker = await startAedes({ tls: { key: pki.serverKey, cert: pki.serverCert, ca } });
    try {
      const clientCert = { ca, cert: readFileSync(pki.clientCertFile), key: readFileSync(pki.clientKeyFile) };
      await publishAndCollect(broker.url, { mqtt: { ca: pki.caFile, cert: pki.clientCertFile, key: pki.clientKeyFile } }, clientCert);
      // Without a client certificate the broker refuses the connection: batches stay in the spool.
      const raw = testConfig(broker.url, { mqtt: { ca: pki.caFile } });
      const pub = new Publisher(parseGatewayConfig(raw), silentLogger);
      pub.publish([reading()]);
      await new Promise((r) => setTimeout(r, 700));
      expect(pub.stats()).toMatchObject({ connected: false, spool: { batches: 1 } });
      await pub.stop();
    } finally {
      await broker.stop();
    }
  });
});

describe('replay after an outage', () => {
  it('replays the backlog oldest first at the bounded rate while live batches go out alongside', async () => {
    const port = await freePort();
    const raw = testConfig(`mqtt://127.0.0.1:${port}`, { spool: { replayBatchesPerSecond: 20 } });
    const pub = new Publisher(parseGatewayConfig(raw), silentLogger);
    for (let i = 0; i < 60; i++) pub.publish([reading()]); // made while the broker is away
    expect(pub.stats().spool.batches).toBe(60);
    // The publisher is refused until the collector listens: else its first replayed batches could
    // reach the broker before the subscription and never be seen (the flake this test once had).
    let admitPublisher = false;
    const broker = await startAedes({ port, admit: (id) => admitPublisher || id.startsWith('collector-') });
    try {
      const col = await collect(broker.url, prefix(raw));
      admitPublisher = true;
      await waitFor(async () => pub.stats().connected, 'connected', 10_000);
      const live = setInterval(() => pub.publish([reading()]), 100);
      await waitFor(async () => pub.stats().spool.batches === 0 && pub.stats().lastSeq >= 70, 'backlog replayed', 20_000);
      clearInterval(live);
      await waitFor(async () => col.missing(pub.stats().lastSeq).length === 0, 'every seq', 10_000);
      // arrival times are taken as each message is received, not sampled by a timer
      const replayed = [...Array(60).keys()].map((s) => col.arrivals.get(s)!);
      expect(replayed.every((t, i) => i === 0 || t >= replayed[i - 1]!)).toBe(true); // oldest first
      expect(replayed.at(-1)! - replayed[0]!).toBeGreaterThan(1800); // 60 batches at 20/s: about 3 s, not a burst
      const firstLive = Math.min(...[...col.arrivals].filter(([s]) => s >= 60).map(([, t]) => t));
      expect(firstLive).toBeLessThan(replayed.at(-1)!); // live data did not wait for the backlog
      await col.close();
    } finally {
      await pub.stop();
      await broker.stop();
    }
  });
});

describe('acknowledgement timeout', () => {
  it('a batch the broker swallows without PUBACK on a live link is sent again after ackTimeoutMs', async () => {
    let swallow = 3;
    const broker = await startAedes({ blackHole: (topic) => topic.endsWith('/telemetry') && swallow-- > 0 });
    try {
      const raw = testConfig(broker.url, { mqtt: { ackTimeoutMs: 1000 } });
      const col = await collect(broker.url, prefix(raw));
      const pub = new Publisher(parseGatewayConfig(raw), silentLogger);
      await waitFor(async () => pub.stats().connected, 'connected', 10_000);
      for (let i = 0; i < 6; i++) pub.publish([reading()]);
      await waitFor(async () => col.missing(5).length === 0, 'every seq, the swallowed ones resent', 10_000);
      expect(pub.stats()).toMatchObject({ connected: true, spool: { batches: 0 } });
      expect(pub.stats().ackTimeouts).toBeGreaterThanOrEqual(1);
      await pub.stop();
      await col.close();
    } finally {
      await broker.stop();
    }
  });
});

describe.skipIf(!(await systemMosquittoAvailable()))('publisher against the machine Mosquitto', () => {
  it('publishes batches and retained status', async () => {
    await publishAndCollect(SYSTEM_MOSQUITTO_URL);
  });
});

describe.skipIf(!mosquittoAvailable())('publisher against a private Mosquitto with TLS and a password', () => {
  it('publishes over mqtts with username/password and a client certificate; a wrong password spools', async () => {
    const pki = makeTestPki();
    const passwd = join(pki.dir, 'passwd');
    execFileSync('mosquitto_passwd', ['-c', '-b', passwd, 'gw-user', 'gw-pass'], { stdio: 'ignore' });
    const broker = await startMosquitto(
      `allow_anonymous false\npassword_file ${passwd}\ncafile ${pki.caFile}\ncertfile ${pki.serverCertFile}\nkeyfile ${pki.serverKeyFile}\nrequire_certificate true\n`,
    );
    try {
      const url = broker.url.replace('mqtt://', 'mqtts://');
      const tls = { ca: pki.caFile, cert: pki.clientCertFile, key: pki.clientKeyFile };
      const collectorTls = { ca: readFileSync(pki.caFile), cert: readFileSync(pki.clientCertFile), key: readFileSync(pki.clientKeyFile), username: 'gw-user', password: 'gw-pass' };
      await publishAndCollect(url, { mqtt: { ...tls, username: 'gw-user', password: 'gw-pass' } }, collectorTls);
      const raw = testConfig(url, { mqtt: { ...tls, username: 'gw-user', password: 'wrong' } });
      const pub = new Publisher(parseGatewayConfig(raw), silentLogger);
      pub.publish([reading()]);
      await new Promise((r) => setTimeout(r, 800));
      expect(pub.stats()).toMatchObject({ connected: false, spool: { batches: 1 } });
      await pub.stop();
    } finally {
      await broker.destroy();
      pki.destroy();
    }
  });
});

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topics } from '../../common/contract.ts';
import { hasBinary, mosquittoAvailable, startMosquitto, waitFor } from '../../common/testing/index.ts';
import { hashPassword, startBroker, type BrokerHandle } from '../../broker/index.ts';

const uid = () => Math.random().toString(36).slice(2, 8);
const connect = (url: string, o: mqtt.IClientOptions) => mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 3000, clientId: `sec-${uid()}`, ...o });

describe('the embedded broker keeps each gateway to its own site', () => {
  let broker: BrokerHandle;
  let ingest: MqttClient;
  const seen: string[] = [];

  beforeAll(async () => {
    broker = await startBroker({
      host: '127.0.0.1',
      port: 0,
      users: [
        { username: 'gw-a', password: await hashPassword('pass-a'), role: 'gateway', site: 'site-a', gateway: 'gw1' },
        { username: 'gw-b', password: await hashPassword('pass-b'), role: 'gateway', site: 'site-b', gateway: 'gw1' },
        { username: 'ingest', password: await hashPassword('pass-i'), role: 'ingest' },
      ],
    });
    ingest = await connect(broker.url, { username: 'ingest', password: 'pass-i' });
    await ingest.subscribeAsync('sunshare/v1/#', { qos: 1 });
    ingest.on('message', (t) => seen.push(t));
  });
  afterAll(async () => {
    await ingest?.endAsync();
    await broker?.stop();
  });

  it('refuses wrong, missing and unknown credentials', async () => {
    const before = broker.stats().refusedConnections;
    await expect(connect(broker.url, { username: 'gw-a', password: 'wrong' })).rejects.toThrow(/Not authorized|Bad username|refused/i);
    await expect(connect(broker.url, { username: 'gw-a' })).rejects.toThrow();
    await expect(connect(broker.url, {})).rejects.toThrow();
    await expect(connect(broker.url, { username: 'nobody', password: 'pass-a' })).rejects.toThrow();
    await expect(connect(broker.url, { username: 'gw-b', password: 'pass-a' })).rejects.toThrow(); // another gateway's password
    expect(broker.stats().refusedConnections - before).toBe(5);
  });

  it("a gateway cannot publish into another site's (or gateway's) topics, nor dead letters", async () => {
    const a = await connect(broker.url, { username: 'gw-a', password: 'pass-a' });
    const denied = broker.stats().deniedPublishes;
    for (const t of [topics.telemetry('site-b', 'gw1'), topics.status('site-b', 'gw1'), topics.telemetry('site-a', 'gw2'), topics.deadLetter('site-a', 'gw1'), 'sunshare/v1/site-a/gw1', 'sunshare/v1/site-a/gw1/../../site-b/gw1/telemetry']) {
      // aedes closes the connection of a client whose QoS 1 publish is denied; reconnect each time
      const c = await connect(broker.url, { username: 'gw-a', password: 'pass-a' });
      c.publish(t, '{}', { qos: 1 });
      await new Promise((r) => setTimeout(r, 100));
      c.end(true);
    }
    await a.publishAsync(topics.telemetry('site-a', 'gw1'), '{"own":true}', { qos: 1 });
    await waitFor(async () => seen.includes(topics.telemetry('site-a', 'gw1')), 'own telemetry delivered');
    expect(seen.filter((t) => !t.startsWith('sunshare/v1/site-a/gw1/'))).toEqual([]);
    expect(broker.stats().deniedPublishes - denied).toBeGreaterThanOrEqual(5);
    await a.endAsync();
  });

  it("a gateway cannot subscribe to another site's topics, or to wildcards reaching them", async () => {
    const a = await connect(broker.url, { username: 'gw-a', password: 'pass-a' });
    const tried = ['sunshare/v1/site-b/#', 'sunshare/v1/#', '#', 'sunshare/v1/+/+/telemetry', '$share/g/sunshare/v1/#', 'sunshare/v1/site-a/+/status', 'sunshare/v1/site-a/gw1/#'];
    const granted: { topic: string; qos: number }[] = [];
    for (const topic of tried) {
      const qos = await a.subscribeAsync(topic, { qos: 1 }).then(
        (g) => g[0]!.qos,
        (err: { packet?: { granted?: number[] } }) => err.packet?.granted?.[0] ?? -1,
      );
      granted.push({ topic, qos });
    }
    expect(granted.map((g) => `${g.topic}:${g.qos}`)).toEqual([
      'sunshare/v1/site-b/#:128',
      'sunshare/v1/#:128',
      '#:128',
      'sunshare/v1/+/+/telemetry:128',
      '$share/g/sunshare/v1/#:128',
      'sunshare/v1/site-a/+/status:128',
      'sunshare/v1/site-a/gw1/#:1',
    ]);
    await a.endAsync();
  });
});

describe.skipIf(!mosquittoAvailable() || !hasBinary('openssl'))('Mosquitto with the production TLS listener', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sunshare-sec-tls-'));
    chmodSync(dir, 0o755);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('requires TLS on the network listener: plain MQTT and an untrusted certificate are refused', async () => {
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
    chmodSync(key, 0o644);
    const passwd = join(dir, 'passwd');
    execFileSync('mosquitto_passwd', ['-c', '-b', passwd, 'gw', 'gw-pass']);
    chmodSync(passwd, 0o644);
    // startMosquitto adds its own plain listener for the port it reports; the TLS listener is this test's
    const { freePort } = await import('../../common/testing/index.ts');
    const tlsPort = await freePort();
    const mq = await startMosquitto(`allow_anonymous false\npassword_file ${passwd}\nlistener ${tlsPort} 127.0.0.1\ncertfile ${cert}\nkeyfile ${key}\n`);
    try {
      await waitFor(async () => {
        try {
          const c = await connect(`mqtts://localhost:${tlsPort}`, { ca: readFileSync(cert), username: 'gw', password: 'gw-pass' });
          await c.endAsync();
          return true;
        } catch {
          return false;
        }
      }, 'TLS listener up');
      await expect(connect(`mqtt://127.0.0.1:${tlsPort}`, { username: 'gw', password: 'gw-pass' })).rejects.toThrow();
      await expect(connect(`mqtts://localhost:${tlsPort}`, { username: 'gw', password: 'gw-pass' })).rejects.toThrow(/self.signed|certificate/i);
      await expect(connect(`mqtts://localhost:${tlsPort}`, { ca: readFileSync(cert), username: 'gw', password: 'nope' })).rejects.toThrow();
    } finally {
      await mq.destroy();
    }
  });
});

describe.skipIf(!hasBinary('openssl'))('the embedded broker with TLS required', () => {
  it('opens no plain MQTT port; plain MQTT, an untrusted certificate and a wrong password are refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sunshare-sec-aedes-tls-'));
    const { canConnect, freePort } = await import('../../common/testing/index.ts');
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
    const plainPort = await freePort();
    const broker = await startBroker({
      host: '127.0.0.1',
      port: plainPort,
      users: [{ username: 'gw', password: await hashPassword('gw-pass'), role: 'gateway', site: 's1', gateway: 'g1' }],
      tls: { port: 0, cert, key, only: true },
    });
    try {
      expect(broker.url).toBe(`mqtts://127.0.0.1:${broker.tlsPort}`);
      expect(await canConnect(plainPort)).toBe(false);
      const ok = await connect(`mqtts://localhost:${broker.tlsPort}`, { ca: readFileSync(cert), username: 'gw', password: 'gw-pass' });
      await ok.publishAsync(topics.status('s1', 'g1'), '{}', { qos: 1 });
      await ok.endAsync();
      // mqtt.js' connectAsync never settles when the server hangs up on a plain CONNECT: watch the events
      const plain = mqtt.connect(`mqtt://127.0.0.1:${broker.tlsPort}`, { reconnectPeriod: 0, connectTimeout: 3000, username: 'gw', password: 'gw-pass' });
      const outcome = await new Promise<string>((resolve) => {
        plain.once('connect', () => resolve('connected'));
        plain.once('close', () => resolve('closed'));
        plain.once('error', (err) => resolve(`error: ${err.message}`));
      });
      plain.end(true);
      expect(outcome).not.toBe('connected');
      await expect(connect(`mqtts://localhost:${broker.tlsPort}`, { username: 'gw', password: 'gw-pass' })).rejects.toThrow(/self.signed|certificate/i);
      await expect(connect(`mqtts://localhost:${broker.tlsPort}`, { ca: readFileSync(cert), username: 'gw', password: 'nope' })).rejects.toThrow();
      expect(broker.stats().refusedConnections).toBe(1);
    } finally {
      await broker.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

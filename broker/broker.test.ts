import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasBinary, waitFor } from '../common/testing/index.ts';
import { mayPublish, maySubscribe } from './acl.ts';
import { hashPassword, loadCredentials, verifyPassword, type BrokerUser } from './credentials.ts';
import { startBroker } from './index.ts';

const uid = () => Math.random().toString(36).slice(2, 8);

describe('credentials and ACL', () => {
  it('hashes with scrypt and verifies only the right password', async () => {
    const h = await hashPassword('s3cret');
    expect(h).toMatch(/^scrypt\$/);
    expect(h).not.toContain('s3cret');
    expect(await verifyPassword('s3cret', h)).toBe(true);
    expect(await verifyPassword('s3cres', h)).toBe(false);
  });

  it('rejects a credentials file with a plain password, naming where', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sunshare-cred-'));
    const f = join(dir, 'users.yaml');
    writeFileSync(f, 'users:\n  - { username: gw, password: plain, role: gateway, site: s1, gateway: g1 }\n');
    expect(() => loadCredentials(f)).toThrow(/invalid/);
    try {
      loadCredentials(f);
    } catch (err) {
      expect((err as { details: string[] }).details.join('\n')).toMatch(/\/users\/0/);
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('lets a gateway publish only under its own site and gateway', () => {
    const gw: BrokerUser = { username: 'g', password: '', role: 'gateway', site: 's1', gateway: 'g1' };
    const ingest: BrokerUser = { username: 'i', password: '', role: 'ingest' };
    expect(mayPublish(gw, 'sunshare/v1/s1/g1/telemetry')).toBe(true);
    expect(mayPublish(gw, 'sunshare/v1/s1/g2/telemetry')).toBe(false);
    expect(mayPublish(gw, 'sunshare/v1/s10/g1/telemetry')).toBe(false);
    expect(mayPublish(gw, 'sunshare/v1/s1/g1')).toBe(false);
    expect(maySubscribe(gw, 'sunshare/v1/#')).toBe(false);
    expect(maySubscribe(ingest, '$share/ingest/sunshare/v1/+/+/telemetry')).toBe(true);
    expect(mayPublish(ingest, 'sunshare/v1/s1/g1/telemetry')).toBe(false);
    expect(mayPublish(ingest, 'sunshare/v1/_deadletter/s1/g1')).toBe(true);
    const monitor: BrokerUser = { username: 'm', password: '', role: 'monitor' };
    expect(maySubscribe(monitor, 'sunshare/v1/+/+/status')).toBe(true);
    expect(maySubscribe(monitor, '$share/x/sunshare/v1/+/+/status')).toBe(false);
    expect(mayPublish(monitor, 'sunshare/v1/s1/g1/status')).toBe(false);
  });
});

describe('embedded broker', () => {
  let dir: string;
  let users: BrokerUser[];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sunshare-broker-'));
    users = [
      { username: 'gw', password: await hashPassword('gw-pass'), role: 'gateway', site: 's1', gateway: 'g1' },
      { username: 'ingest', password: await hashPassword('in-pass'), role: 'ingest' },
    ];
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps QoS 1 messages for a persistent session across a broker restart (LevelDB on disk)', async () => {
    const store = join(dir, `store-${uid()}`);
    let broker = await startBroker({ port: 0, host: '127.0.0.1', users, persistence: store });
    const port = broker.port;
    const clientId = `ingest-${uid()}`;
    const sub = await mqtt.connectAsync(broker.url, { clientId, clean: false, username: 'ingest', password: 'in-pass', reconnectPeriod: 0 });
    await sub.subscribeAsync('sunshare/v1/+/+/telemetry', { qos: 1 });
    await sub.endAsync();
    const pub = await mqtt.connectAsync(broker.url, { clientId: `gw-${uid()}`, username: 'gw', password: 'gw-pass', reconnectPeriod: 0 });
    for (let i = 0; i < 100; i++) await pub.publishAsync('sunshare/v1/s1/g1/telemetry', String(i), { qos: 1 });
    await pub.endAsync();
    await broker.stop();

    broker = await startBroker({ port, host: '127.0.0.1', users, persistence: store });
    const got: number[] = [];
    const again = mqtt.connect(broker.url, { clientId, clean: false, username: 'ingest', password: 'in-pass', reconnectPeriod: 0 });
    again.on('message', (_t, p) => got.push(Number(p.toString())));
    await waitFor(async () => got.length >= 100, '100 messages after restart', 15_000);
    expect(new Set(got).size).toBe(100);
    await again.endAsync();
    await broker.stop();
  });

  it('refuses a payload over maxPayloadBytes before any subscriber sees it, counts it, and passes the messages around it', async () => {
    const broker = await startBroker({ port: 0, host: '127.0.0.1', users, maxPayloadBytes: 65_536 });
    const got: number[] = [];
    const sub = await mqtt.connectAsync(broker.url, { clientId: `ingest-${uid()}`, username: 'ingest', password: 'in-pass', reconnectPeriod: 0 });
    sub.on('message', (_t, p) => got.push(p.length));
    await sub.subscribeAsync('sunshare/v1/+/+/telemetry', { qos: 1 });
    const publish = async (bytes: number) => {
      const pub = await mqtt.connectAsync(broker.url, { clientId: `gw-${uid()}`, username: 'gw', password: 'gw-pass', reconnectPeriod: 0 });
      pub.on('error', () => {}); // the broker closes the connection of a refused publish
      await Promise.race([pub.publishAsync('sunshare/v1/s1/g1/telemetry', Buffer.alloc(bytes, 0x7b), { qos: 1 }).catch(() => {}), new Promise((r) => setTimeout(r, 1_000))]);
      pub.end(true);
    };
    await publish(65_536);
    await publish(65_537);
    await publish(10);
    await waitFor(async () => got.length >= 2, 'the two messages within the limit', 10_000);
    expect(got).toEqual([65_536, 10]);
    expect(broker.stats().oversizePublishes).toBe(1);
    await sub.endAsync();
    await broker.stop();
  });

  it.skipIf(!hasBinary('openssl'))('serves MQTT over TLS with the given certificate', async () => {
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
    const broker = await startBroker({ port: 0, host: '127.0.0.1', users, tls: { port: 0, cert, key } });
    const c = await mqtt.connectAsync(`mqtts://localhost:${broker.tlsPort}`, { ca: readFileSync(cert), username: 'gw', password: 'gw-pass', reconnectPeriod: 0 });
    await c.publishAsync('sunshare/v1/s1/g1/status', 'x', { qos: 1 });
    await c.endAsync();
    await expect(mqtt.connectAsync(`mqtts://localhost:${broker.tlsPort}`, { reconnectPeriod: 0 })).rejects.toThrow();
    await broker.stop();
  });

  it('will not start without credentials unless anonymous is asked for', async () => {
    await expect(startBroker({ port: 0 })).rejects.toThrow(/credentials/);
  });
});

describe('shipped example files', () => {
  it('credentials.example.yaml loads and its hashes are of "change-me"', async () => {
    const users = loadCredentials(join(import.meta.dirname, 'credentials.example.yaml'));
    expect(users.map((u) => u.role).sort()).toEqual(['gateway', 'ingest']);
    for (const u of users) expect(await verifyPassword('change-me', u.password)).toBe(true);
  });
});

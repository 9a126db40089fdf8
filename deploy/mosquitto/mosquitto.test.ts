import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mosquittoAvailable, waitFor } from '../../common/testing/index.ts';
import { startComposeBroker, type ComposeBroker } from './test-broker.ts';

/**
 * The compose stack's Mosquitto settings and ACL (deploy/mosquitto/), loaded
 * into a real Mosquitto on a free port: who can log in, and who may publish
 * and read which Sunshare topics.
 */
const HERE = import.meta.dirname;
const PASSWORDS = { ingest: 'ingest-secret', api: 'api-secret', 'site-x': 'gw-secret', 'site-y': 'gw-secret' };

function connect(url: string, username?: string, password?: string): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(url, { username, password, clientId: `t-${username ?? 'anon'}-${Math.random().toString(36).slice(2, 8)}`, reconnectPeriod: 0, connectTimeout: 5_000, protocolVersion: 5 });
    c.once('connect', () => resolve(c));
    c.once('error', (err) => {
      c.end(true);
      reject(err);
    });
  });
}

describe.skipIf(!mosquittoAvailable())('Mosquitto with the compose stack settings and ACL', () => {
  let broker: ComposeBroker;
  const clients: MqttClient[] = [];
  const login = async (user: keyof typeof PASSWORDS) => {
    const c = await connect(broker.url, user, PASSWORDS[user]);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    broker = await startComposeBroker(PASSWORDS);
  });
  afterAll(async () => {
    clients.forEach((c) => c.end(true));
    await broker?.stop();
  });

  it('refuses anonymous clients and wrong passwords', async () => {
    await expect(connect(broker.url)).rejects.toThrow(/Not authorized|Connection refused/i);
    await expect(connect(broker.url, 'ingest', 'wrong')).rejects.toThrow(/Not authorized|Bad user name or password|Connection refused/i);
  });

  it("delivers a gateway's own telemetry to ingest on a shared subscription, and refuses what it writes for another site", async () => {
    const ingest = await login('ingest');
    const got: string[] = [];
    ingest.on('message', (topic, payload) => got.push(`${topic} ${payload.toString()}`));
    const [granted] = await ingest.subscribeAsync('$share/ingest/sunshare/v1/+/+/telemetry', { qos: 1 });
    expect(granted!.qos).toBe(1);
    const gw = await login('site-x');
    await expect(gw.publishAsync('sunshare/v1/site-y/gw-1/telemetry', 'forged', { qos: 1 })).rejects.toThrow(/not authorized/i);
    const own = await login('site-x');
    await own.publishAsync('sunshare/v1/site-x/gw-1/telemetry', 'own', { qos: 1 });
    await waitFor(async () => got.length > 0, "the gateway's own telemetry at ingest", 10_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(got).toEqual(['sunshare/v1/site-x/gw-1/telemetry own']);
  });

  it('lets the API read status but neither publish telemetry nor read dead letters', async () => {
    const api = await login('api');
    const got: string[] = [];
    api.on('message', (topic) => got.push(topic));
    // Mosquitto grants any subscription and applies read rules on delivery
    await api.subscribeAsync(['sunshare/v1/+/+/status', 'sunshare/v1/_deadletter/#'], { qos: 1 });
    const ingest = await login('ingest');
    await ingest.publishAsync('sunshare/v1/_deadletter/site-x/gw-1', 'rejected batch', { qos: 1 });
    const gw = await login('site-x');
    await gw.publishAsync('sunshare/v1/site-x/gw-1/status', '{"online":true}', { qos: 1, retain: true });
    await waitFor(async () => got.includes('sunshare/v1/site-x/gw-1/status'), 'status at the API', 10_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(got).toEqual(['sunshare/v1/site-x/gw-1/status']);
    await expect(api.publishAsync('sunshare/v1/site-x/gw-1/telemetry', 'from api', { qos: 1 })).rejects.toThrow(/not authorized/i);
  });

  it("passes the compose file's health check (mosquitto_sub reads $SYS/broker/uptime as the API user)", () => {
    const compose = parseYaml(readFileSync(join(HERE, '..', '..', 'docker-compose.yml'), 'utf8')) as { services: { mosquitto: { healthcheck: { test: string[] } } } };
    const [kind, command] = compose.services.mosquitto.healthcheck.test;
    expect(kind).toBe('CMD-SHELL');
    const port = new URL(broker.url).port;
    // as the container's shell would run it: compose's $$ is a literal $, on this broker's port
    const shell = command!.replaceAll('$$', '$').replace('-h 127.0.0.1', `-h 127.0.0.1 -p ${port}`);
    const ok = spawnSync('sh', ['-c', shell], { env: { ...process.env, MQTT_API_PASSWORD: PASSWORDS.api }, encoding: 'utf8', timeout: 15_000 });
    expect(ok.status, ok.stderr).toBe(0);
    const wrong = spawnSync('sh', ['-c', shell], { env: { ...process.env, MQTT_API_PASSWORD: 'wrong' }, encoding: 'utf8', timeout: 15_000 });
    expect(wrong.status).not.toBe(0);
  });

  it('has an entrypoint script that is valid sh and creates every user the ACL names', () => {
    const script = join(HERE, 'docker-entrypoint.sh');
    expect(spawnSync('sh', ['-n', script]).status).toBe(0);
    const text = readFileSync(script, 'utf8');
    for (const [, user] of readFileSync(join(HERE, 'acl'), 'utf8').matchAll(/^user (\S+)$/gm)) expect(text).toContain(`"$passwd" ${user} `);
  });
});

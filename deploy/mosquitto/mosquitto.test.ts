import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canConnect, freePort, hasBinary, mosquittoAvailable, waitFor } from '../../common/testing/servers.js';

/**
 * The compose stack's Mosquitto settings and ACL (deploy/mosquitto/), loaded
 * into a real Mosquitto on a free port: who can log in, and who may publish
 * and read which Sunshare topics.
 */
const HERE = import.meta.dirname;
const PASSWORDS = { ingest: 'ingest-secret', api: 'api-secret', 'site-x': 'gw-secret', 'site-y': 'gw-secret' };

/**
 * deploy/mosquitto/mosquitto.conf with the container's paths replaced by `dir`
 * and its listener moved to `port` on loopback. Mosquitto started as root
 * drops to its own user, so `dir` is world-writable.
 */
function composeConfig(dir: string, port: number): string {
  return readFileSync(join(HERE, 'mosquitto.conf'), 'utf8')
    .replace(/^listener 1883 0\.0\.0\.0$/m, `listener ${port} 127.0.0.1`)
    .replaceAll('/mosquitto/data/', `${dir}/`)
    .replaceAll('/mosquitto/config/', `${dir}/`)
    .replace(/^log_dest stdout$/m, `log_dest file ${dir}/mosquitto.log`);
}

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
  let url: string;
  let child: ChildProcess;
  const clients: MqttClient[] = [];
  const login = async (user: keyof typeof PASSWORDS) => {
    const c = await connect(url, user, PASSWORDS[user]);
    clients.push(c);
    return c;
  };

  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sunshare-mosquitto-acl-'));
    chmodSync(dir, 0o777);
    const passwd = join(dir, 'passwd');
    writeFileSync(passwd, '');
    for (const [user, password] of Object.entries(PASSWORDS)) {
      const r = spawnSync('mosquitto_passwd', ['-b', passwd, user, password], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
    }
    chmodSync(passwd, 0o644);
    copyFileSync(join(HERE, 'acl'), join(dir, 'acl'));
    const port = await freePort();
    writeFileSync(join(dir, 'mosquitto.conf'), composeConfig(dir, port));
    child = spawn(hasBinary('mosquitto') ? 'mosquitto' : '/usr/sbin/mosquitto', ['-c', join(dir, 'mosquitto.conf')], { stdio: 'ignore' });
    url = `mqtt://127.0.0.1:${port}`;
    await waitFor(() => canConnect(port), `mosquitto with deploy/mosquitto/mosquitto.conf on port ${port}`, 10_000);
  });
  afterAll(async () => {
    clients.forEach((c) => c.end(true));
    if (child && child.exitCode === null) await new Promise((r) => child.once('exit', r).kill('SIGTERM'));
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses anonymous clients and wrong passwords', async () => {
    await expect(connect(url)).rejects.toThrow(/Not authorized|Connection refused/i);
    await expect(connect(url, 'ingest', 'wrong')).rejects.toThrow(/Not authorized|Bad user name or password|Connection refused/i);
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

  it('has an entrypoint script that is valid sh and creates every user the ACL names', () => {
    const script = join(HERE, 'docker-entrypoint.sh');
    expect(spawnSync('sh', ['-n', script]).status).toBe(0);
    const text = readFileSync(script, 'utf8');
    for (const [, user] of readFileSync(join(HERE, 'acl'), 'utf8').matchAll(/^user (\S+)$/gm)) expect(text).toContain(`"$passwd" ${user} `);
  });
});

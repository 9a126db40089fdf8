import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { createPgDatabase, postgresAvailable, type PgDatabase } from '../common/testing/index.ts';
import { ApiConfig, startApi, type RunningApi } from '../api/index.ts';
import { parseConfig } from '../common/config.ts';
import { silentLogger } from '../common/log.ts';
import { parseSimConfig, startSim, type SimHandle } from '../firmware-sim/index.ts';
import { renderTemplate } from './sunshare/render.ts';

/**
 * The compose health checks of the API, the payout scheduler and the
 * simulators, run as written (from the repository root, as from the image's
 * /app) against a real API, PostgreSQL database and simulator: they pass, and
 * fail when the thing they watch is not there. (ingest, gateways, Mosquitto: stack.test.ts,
 * mosquitto.test.ts.)
 */
const ROOT = join(import.meta.dirname, '..');
const run = promisify(execFile);
const compose = parseYaml(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as { services: Record<string, { healthcheck: { test: string[] } }> };
const command = (service: string) => {
  const [kind, ...args] = compose.services[service]!.healthcheck.test;
  expect(kind).toBe('CMD');
  return args;
};

describe.skipIf(!(await postgresAvailable()))('compose health checks', () => {
  let db: PgDatabase;
  let sim: SimHandle;
  let api: RunningApi;
  beforeAll(async () => {
    db = await createPgDatabase('sunshare_health');
    sim = await startSim(parseSimConfig({ tcp: { host: '127.0.0.1', port: 0 }, control: { enabled: false }, devices: [{ id: 'meter-1', profile: 'sunspec-meter', unitId: 100 }] }));
    // the API from its compose template (on a free port, without the live MQTT feed)
    const text = readFileSync(join(ROOT, 'deploy', 'sunshare', 'api.yaml'), 'utf8');
    const cfg = parseYaml(renderTemplate(text, { DATABASE_URL: db.url, MQTT_URL: 'mqtt://127.0.0.1:1', MQTT_API_PASSWORD: 'x' }, 'api.yaml')) as { listen: object; mqtt: object };
    api = await startApi(parseConfig({ ...cfg, listen: { host: '127.0.0.1', port: 0 }, mqtt: { ...cfg.mqtt, enabled: false } }, ApiConfig, 'api.yaml'), silentLogger);
  });
  afterAll(async () => {
    await api?.close();
    await sim?.stop();
    await db?.drop();
  });

  it('api: healthy while it answers /health', async () => {
    const [bin, ...args] = command('api');
    const port = new URL(api.url).port;
    await expect(run(bin!, args.map((a) => a.replace('127.0.0.1:8080', `127.0.0.1:${port}`)), { cwd: ROOT, timeout: 15_000 })).resolves.toBeDefined();
    await expect(run(bin!, args.map((a) => a.replace('127.0.0.1:8080', '127.0.0.1:1')), { cwd: ROOT, timeout: 15_000 })).rejects.toThrow();
  });

  it('payout-scheduler: healthy while the ledger answers', async () => {
    const [bin, ...args] = command('payout-scheduler');
    await expect(run(bin!, args, { cwd: ROOT, env: { ...process.env, DATABASE_URL: db.url }, timeout: 15_000 })).resolves.toBeDefined();
    const down = new URL(db.url);
    down.port = '1';
    await expect(run(bin!, args, { cwd: ROOT, env: { ...process.env, DATABASE_URL: down.toString() }, timeout: 15_000 })).rejects.toThrow();
  });

  it('sim-a, sim-b: healthy while Modbus TCP accepts connections', async () => {
    const [bin, ...args] = command('sim-a');
    expect(command('sim-b')).toEqual([bin, ...args]);
    const at = (port: number) => args.map((a) => a.replace('connect(5020,', `connect(${port},`));
    await expect(run(bin!, at(sim.ports[0]!), { cwd: ROOT, timeout: 15_000 })).resolves.toBeDefined();
    await expect(run(bin!, at(1), { cwd: ROOT, timeout: 15_000 })).rejects.toThrow();
  });
});

import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { parseConfig } from '../common/config.ts';
import { openLedger } from '../common/ledger/index.ts';
import { silentLogger } from '../common/log.ts';
import { influxAvailable, mosquittoAvailable, startInflux, waitFor, type InfluxServer } from '../common/testing/index.ts';
import { siteDashboard, type InfluxTarget } from '../dashboards/index.ts';
import { expandInfluxQL, panelTargets } from '../dashboards/testing/index.ts';
import { startSim, parseSimConfig, type SimHandle } from '../firmware-sim/index.ts';
import { startGateway, parseGatewayConfig, type GatewayHandle } from '../gateway/index.ts';
import { IngestConfig, startIngest, type IngestHandle } from '../ingest/index.ts';
import { importRegistry } from '../payout/index.ts';
import { startComposeBroker, type ComposeBroker } from './mosquitto/test-broker.ts';
import { renderTemplate } from './sunshare/render.ts';

/**
 * The compose stack's own files, end to end without Docker: the demo registry,
 * a demo site's simulator and gateway and the ingest, each configured from its
 * template in deploy/sunshare/ (only addresses changed to free local ports),
 * through Mosquitto with deploy/mosquitto's config, password file and ACL,
 * into InfluxDB; then the site detail dashboard's queries show that site.
 */
const SUNSHARE = join(import.meta.dirname, 'sunshare');
const SITE = 'demo-site-a';
const PASSWORDS = { ingest: 'ingest-secret', [SITE]: 'gateway-secret' };
const compose0 = () => parseYaml(readFileSync(join(import.meta.dirname, '..', 'docker-compose.yml'), 'utf8')) as { services: Record<string, { healthcheck: { test: string[] } }> };
const render = (file: string, env: Record<string, string>) => parseYaml(renderTemplate(readFileSync(join(SUNSHARE, file), 'utf8'), env, file)) as Record<string, unknown>;

describe.skipIf(!mosquittoAvailable() || !influxAvailable())('the compose configs end to end: simulator -> gateway -> Mosquitto (ACL) -> ingest -> InfluxDB -> dashboard', () => {
  let dir: string;
  let broker: ComposeBroker;
  let influx: InfluxServer;
  let sim: SimHandle;
  let gateway: GatewayHandle;
  let ingest: IngestHandle;
  const startedAt = Date.now();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sunshare-stack-'));
    broker = await startComposeBroker(PASSWORDS);
    influx = await startInflux();
    await influx.createDatabase('sunshare');
    const ledgerFile = join(dir, 'ledger.sqlite');
    const db = await openLedger(ledgerFile);
    await importRegistry(db, ['sites', 'devices', 'households', 'allocations', 'tariffs', 'policies'].map((k) => join(SUNSHARE, 'demo', `${k}.csv`)));
    await db.close();

    const simCfg = render('sim-demo.yaml', { DEMO_SITE: SITE }) as { tcp: object; clock: object };
    sim = await startSim(parseSimConfig({ ...simCfg, tcp: { host: '127.0.0.1', port: 0 }, clock: { start: '2026-06-21T12:00', speed: 1 } }, 'sim-demo.yaml'));

    const env = { MQTT_URL: broker.url, DEMO_SITE: SITE, DEMO_SIM_HOST: '127.0.0.1', MQTT_GATEWAY_PASSWORD: PASSWORDS[SITE] };
    const gwCfg = render('gateway-demo.yaml', env) as { devices: object[]; spool: object };
    gateway = await startGateway(
      parseGatewayConfig({ ...gwCfg, pollIntervalMs: 1000, spool: { ...gwCfg.spool, dir: join(dir, 'spool') }, devices: gwCfg.devices.map((d) => ({ ...d, port: sim.ports[0] })) }, 'gateway-demo.yaml'),
      { log: silentLogger },
    );

    const ingestCfg = render('ingest.yaml', { MQTT_URL: broker.url, INFLUX_URL: influx.url, INFLUX_ORG: 'unused', INFLUX_BUCKET: 'unused', DATABASE_URL: ledgerFile }) as { mqtt: object };
    // as in the container: the user and password come from MQTT_USERNAME/MQTT_PASSWORD; InfluxDB 1.6 here takes a database instead of org/bucket
    ingest = await startIngest(
      parseConfig({ ...ingestCfg, mqtt: { ...ingestCfg.mqtt, username: 'ingest', password: PASSWORDS.ingest }, influx: { url: influx.url, database: 'sunshare' }, http: { host: '127.0.0.1', port: 0 } }, IngestConfig, 'ingest.yaml'),
      { log: silentLogger },
    );
  });

  afterAll(async () => {
    await gateway?.stop();
    await ingest?.stop();
    await sim?.stop();
    await broker?.stop();
    await influx?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it("the demo site's readings and status arrive, and its detail dashboard shows them", async () => {
    const count = async () => {
      const r = await influx.query(`SELECT count("ac_energy_wh") FROM "inverter" WHERE "site" = '${SITE}' GROUP BY "device"`, 'sunshare');
      return (r.results[0]?.series ?? []).map((s) => Number(s.values[0]![1]));
    };
    await waitFor(async () => {
      const c = await count();
      return c.length === 2 && c.every((n) => n >= 3);
    }, 'three polls of both inverters in InfluxDB', 40_000, 250);
    await waitFor(async () => (await influx.query(`SELECT count("online") FROM "gateway" WHERE "site" = '${SITE}'`, 'sunshare')).results[0]?.series !== undefined, 'the gateway status', 20_000, 250);

    const dashboard = siteDashboard();
    const devices = await influx.query(expandInfluxQL(dashboard.templating.list[1]!.query, { from: startedAt, to: Date.now(), intervalMs: 1000, values: { site: [SITE] }, variables: dashboard.templating.list }), 'sunshare');
    expect(devices.results[0]!.series![0]!.values.map((v) => v[1])).toEqual(['inv-1', 'inv-2']);

    const ctx = { from: startedAt - 60_000, to: Date.now() + 1000, intervalMs: 1000, values: { site: [SITE], device: ['inv-1', 'inv-2'] }, all: new Set(['device']), variables: dashboard.templating.list };
    for (const title of ['Gateway', 'Power per inverter', 'Power at the revenue meter', 'Inverter state', 'Gateway online', 'Device health (polling)']) {
      const { target } = panelTargets(dashboard).find((t) => t.panel.title === title)!;
      const q = expandInfluxQL((target as InfluxTarget).query, ctx);
      const values = ((await influx.query(q, 'sunshare')).results[0]!.series ?? []).flatMap((s) => s.values.flatMap((row) => row.slice(1))).filter((v) => v !== null);
      expect(values.length, `${title}: ${q}`).toBeGreaterThan(0);
    }
    expect(await ingest.stats()).toMatchObject({ deadLetters: 0, writeFailures: 0 });

    // the compose health checks of ingest (its /health) and of the demo gateways (their spool)
    const ingestCheck = (compose0().services.ingest!.healthcheck.test).slice(1);
    // async: ingest serves /health from this very process, which spawnSync would block
    const args = ingestCheck.slice(1).map((a) => a.replace('127.0.0.1:9102', `127.0.0.1:${ingest.httpPort}`));
    await expect(promisify(execFile)(ingestCheck[0]!, args, { timeout: 15_000 })).resolves.toBeDefined();
    await expect(promisify(execFile)(ingestCheck[0]!, args.map((a) => a.replace(`:${ingest.httpPort}/`, ':1/')), { timeout: 15_000 })).rejects.toThrow();
    // the compose health check of the demo gateways, on this gateway's spool
    const check = compose0().services['gateway-a']!.healthcheck.test[1]!.replaceAll('$$', '$').replaceAll('/var/lib/sunshare/spool', join(dir, 'spool'));
    expect(spawnSync('sh', ['-c', check], { timeout: 15_000 }).status, check).toBe(0);
    expect(spawnSync('sh', ['-c', check.replace(join(dir, 'spool'), join(dir, 'no-such-spool'))], { timeout: 15_000 }).status).not.toBe(0);
  });
});

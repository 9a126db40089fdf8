import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { available, hasBinary } from '../common/testing/index.ts';
import { renderTemplate, templateVariables } from './sunshare/render.ts';

/**
 * docker-compose.yml as Docker would run it: Debian's `docker-compose config`
 * resolves it with the example env file, and the checks below read its output.
 * No Docker engine is needed (none runs on CI).
 */
const ROOT = join(import.meta.dirname, '..');
const read = (p: string) => readFileSync(join(ROOT, p), 'utf8');

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string | null>;
  ports?: (string | { published: number | string; target: number })[];
  volumes?: (string | { type: string; source: string; target: string })[];
  healthcheck?: { test: string[] | string };
  restart?: string;
  depends_on?: Record<string, { condition: string }>;
}
interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

/** The table in docs/deploy.md: variable -> services that must have it set. */
function envTable(): Map<string, string[]> {
  const doc = read('docs/deploy.md');
  const body = /<!-- env-table[^>]*-->([\s\S]*?)<!-- \/env-table -->/.exec(doc)?.[1];
  if (!body) throw new Error('docs/deploy.md has no env-table section');
  const rows = new Map<string, string[]>();
  for (const line of body.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    const name = /^`([A-Z0-9_]+)`$/.exec(cells[1] ?? '')?.[1];
    if (name) rows.set(name, (cells[2] ?? '').split(',').map((s) => s.trim()).filter(Boolean));
  }
  return rows;
}

/** Environment variables the components' own code reads (process.env.X, env.X), outside tests, benches and test helpers. */
function envReadByCode(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) {
        if (entry !== 'testing' && entry !== 'node_modules') walk(path);
      } else if (/\.ts$/.test(entry) && !/\.test\.ts$|\.test-helper\.ts$|^bench[\w-]*\.ts$|^testing\.ts$/.test(entry)) {
        // process.env.X, process.env['X'], and env.X where a function is handed process.env
        for (const m of readFileSync(path, 'utf8').matchAll(/\benv(?:\.([A-Z][A-Z0-9_]+)|\[['"]([A-Z][A-Z0-9_]+)['"]\])/g)) {
          const name = (m[1] ?? m[2])!;
          found.set(name, [...(found.get(name) ?? []), relative(ROOT, path)]);
        }
      }
    }
  };
  for (const dir of ['bin', 'common', 'firmware-sim', 'gateway', 'broker', 'ingest', 'payout', 'api', 'demo']) if (existsSync(join(ROOT, dir))) walk(join(ROOT, dir));
  return found;
}

const configTemplate = (s: Service) => {
  const args = s.command ?? [];
  const i = args.indexOf('--config');
  return i >= 0 ? args[i + 1]?.replace('/tmp/sunshare/', 'deploy/sunshare/') : undefined;
};

const hasCompose = available('docker-compose (Debian package)', hasBinary('docker-compose'), 'apt-get install docker-compose');

describe.skipIf(!hasCompose)('docker-compose.yml, resolved by docker-compose config with .env.example', () => {
  let compose: Compose;
  const table = envTable();

  beforeAll(() => {
    const res = spawnSync('docker-compose', ['--env-file', '.env.example', '-f', 'docker-compose.yml', '--profile', 'demo', 'config'], { cwd: ROOT, encoding: 'utf8' });
    expect(res.status, res.stderr).toBe(0);
    compose = parseYaml(res.stdout) as Compose;
  });

  it('has the production services and, in the demo profile, a simulator and its gateways', () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      ['api', 'demo-registry', 'gateway-a', 'gateway-b', 'grafana', 'influxdb', 'ingest', 'ledger-create', 'mosquitto', 'payout-scheduler', 'postgres', 'sim-a', 'sim-b'],
    );
    const raw = parseYaml(read('docker-compose.yml')) as { services: Record<string, { profiles?: string[] }> };
    const demo = Object.entries(raw.services).filter(([, s]) => s.profiles?.includes('demo')).map(([n]) => n);
    expect(demo.sort()).toEqual(['demo-registry', 'gateway-a', 'gateway-b', 'sim-a', 'sim-b']);
  });

  it('gives every service an image or build, a restart policy and a health check; waits on healthy dependencies', () => {
    const oneShot = (s: Service) => s.restart === 'no';
    for (const [name, s] of Object.entries(compose.services)) {
      expect(s.image ?? s.build, `${name}: image or build`).toBeTruthy();
      if (oneShot(s)) continue; // runs once (demo-registry): others wait for it to complete
      expect(s.restart, `${name}: restart`).toBe('unless-stopped');
      const test = s.healthcheck?.test;
      expect(Array.isArray(test) ? test.length > 1 && test[0] !== 'NONE' : !!test, `${name}: healthcheck`).toBe(true);
      for (const [dep, { condition }] of Object.entries(s.depends_on ?? {})) {
        expect(compose.services[dep], `${name} depends on ${dep}`).toBeDefined();
        expect(condition, `${name} -> ${dep}`).toBe(oneShot(compose.services[dep]!) ? 'service_completed_successfully' : 'service_healthy');
      }
    }
  });

  it('publishes valid ports, and InfluxDB and PostgreSQL only on loopback', () => {
    const published = new Set<string>();
    for (const [name, s] of Object.entries(compose.services)) {
      for (const p of s.ports ?? []) {
        const [host, port] = typeof p === 'string' ? (/^(?:([\d.]+):)?(\d+):\d+/.exec(p)?.slice(1) ?? []) : [undefined, String(p.published)];
        expect(Number(port) > 0 && Number(port) < 65536, `${name} port ${JSON.stringify(p)}`).toBe(true);
        expect(published.has(String(port)), `${name}: port ${port} published twice`).toBe(false);
        published.add(String(port));
        if (name === 'influxdb' || name === 'postgres') expect(host, `${name} listens on loopback only`).toBe('127.0.0.1');
      }
    }
    expect([...published].sort()).toEqual(['1883', '3000', '5432', '8080', '8086']);
  });

  it('mounts files that exist and named volumes that are declared; keeps data on volumes', () => {
    for (const [name, s] of Object.entries(compose.services)) {
      for (const v of s.volumes ?? []) {
        const [source, target] = typeof v === 'string' ? v.split(':') : [v.source, v.target];
        if (source!.startsWith('/')) expect(existsSync(source!), `${name}: ${source} exists`).toBe(true);
        else expect(Object.keys(compose.volumes ?? {}), `${name}: volume ${source}`).toContain(source);
        expect(target, `${name}: mount target`).toMatch(/^\//);
      }
    }
    const dataOf = (svc: string) => (compose.services[svc]!.volumes ?? []).map((v) => (typeof v === 'string' ? v.split(':')[1] : v.target));
    expect(dataOf('postgres')).toContain('/var/lib/postgresql/data');
    expect(dataOf('influxdb')).toContain('/var/lib/influxdb2');
    expect(dataOf('mosquitto')).toContain('/mosquitto/data');
    expect(dataOf('gateway-a')).toContain('/var/lib/sunshare/spool');
  });

  it('sets every variable of the docs/deploy.md table for each service that reads it', () => {
    expect(table.size).toBeGreaterThan(10);
    for (const [name, services] of table) {
      for (const svc of services) {
        expect(compose.services[svc], `docs/deploy.md names service ${svc} for ${name}`).toBeDefined();
        expect(compose.services[svc]!.environment?.[name], `${svc} must set ${name}`).toBeTruthy();
      }
    }
  });

  it("sets each variable a service's config template reads, and the template is a valid config for the component", async () => {
    const schemas: Record<string, () => Promise<(raw: unknown, source: string) => unknown>> = {
      ingest: async () => {
        const [{ parseConfig }, { IngestConfig }] = await Promise.all([import('../common/config.ts'), import('../ingest/index.ts')]);
        return (raw, source) => parseConfig(raw, IngestConfig, source);
      },
      api: async () => {
        const [{ parseConfig }, { ApiConfig }] = await Promise.all([import('../common/config.ts'), import('../api/index.ts')]);
        return (raw, source) => parseConfig(raw, ApiConfig, source);
      },
      gateway: async () => (await import('../gateway/index.ts')).parseGatewayConfig,
      sim: async () => (await import('../firmware-sim/index.ts')).parseSimConfig,
    };
    let checked = 0;
    for (const [name, s] of Object.entries(compose.services)) {
      const template = configTemplate(s);
      if (!template) continue;
      const text = read(template);
      for (const { name: v, required } of templateVariables(text)) {
        expect(table.has(v), `${template} reads ${v}: list it in docs/deploy.md`).toBe(true);
        if (required) expect(table.get(v), `${template} needs ${v}: docs/deploy.md should name ${name}`).toContain(name);
      }
      const rendered: unknown = parseYaml(renderTemplate(text, s.environment as Record<string, string>, template));
      const validate = await schemas[s.command![0]!]!();
      expect(() => validate(rendered, template), `${template} rendered for ${name}`).not.toThrow();
      checked++;
    }
    expect(checked).toBe(6); // ingest, api, sim-a, sim-b, gateway-a, gateway-b
  });

  it('demo: the registry import succeeds, and its sites and devices are what the simulators serve and the gateways poll', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sunshare-demo-'));
    try {
      const registry = compose.services['demo-registry']!.command!;
      const files = registry.slice(2).map((f) => f.replace('/etc/sunshare/', 'deploy/sunshare/'));
      const db = join(dir, 'ledger.sqlite');
      const create = compose.services['ledger-create']!.command!;
      const made = spawnSync('node', ['bin/sunshare.js', ...create, '--ledger', db], { cwd: ROOT, encoding: 'utf8' });
      expect(made.status, made.stderr).toBe(0);
      const res = spawnSync('node', ['bin/sunshare.js', ...registry.slice(0, 2), ...files, '--ledger', db], { cwd: ROOT, encoding: 'utf8' });
      expect(res.status, res.stderr).toBe(0);
      const { openLedger } = await import('../common/ledger/index.ts');
      const ledger = await openLedger(db);
      const devices = await ledger.all<{ site_id: string; id: string }>('SELECT site_id, id FROM devices ORDER BY site_id, id');
      await ledger.close();
      const users = compose.services.mosquitto!.environment!.MQTT_GATEWAY_USERS!.split(/\s+/);
      for (const gw of ['gateway-a', 'gateway-b']) {
        const env = compose.services[gw]!.environment as Record<string, string>;
        const simService = compose.services[env.DEMO_SIM_HOST!]!;
        const gateway = parseYaml(renderTemplate(read(configTemplate(compose.services[gw]!)!), env, gw)) as { site: string; devices: { id: string }[] };
        const sim = parseYaml(renderTemplate(read(configTemplate(simService)!), simService.environment as Record<string, string>, env.DEMO_SIM_HOST!)) as {
          site: { id: string };
          devices: { id: string }[];
        };
        const registered = devices.filter((d) => d.site_id === gateway.site).map((d) => d.id);
        expect(sim.site.id, `${gw} polls the simulator of its own site`).toBe(gateway.site);
        expect(gateway.devices.map((d) => d.id).sort(), gw).toEqual(registered);
        expect(sim.devices.map((d) => d.id).sort(), env.DEMO_SIM_HOST).toEqual(registered);
        expect(users, `mosquitto has a user for ${gateway.site}`).toContain(gateway.site);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("lists in docs/deploy.md every environment variable the components' code reads", () => {
    for (const [name, files] of envReadByCode()) expect(table.has(name), `${name} (read in ${files.join(', ')}) is missing from docs/deploy.md`).toBe(true);
  });

  it("sets the variables Grafana's provisioning, the PostgreSQL init script and the Mosquitto entrypoint read", () => {
    const uses = (file: string) => [...read(file).matchAll(/\$\{?([A-Z][A-Z0-9_]*)/g)].map((m) => m[1]!);
    const checks: [string, string][] = [
      ['grafana', 'dashboards/grafana/provisioning/datasources/sunshare.yaml'],
      ['postgres', 'dashboards/postgres/10-grafana-reader.sh'],
      ['mosquitto', 'deploy/mosquitto/docker-entrypoint.sh'],
    ];
    const optional = new Set(['MQTT_GATEWAY_PASSWD_FILE']);
    for (const [svc, file] of checks) {
      for (const v of uses(file)) if (!optional.has(v)) expect(compose.services[svc]!.environment?.[v], `${file} reads ${v}: set it for ${svc}`).toBeTruthy();
    }
  });

  it('takes every secret from the env file, and .env.example names every variable the file interpolates', () => {
    const raw = read('docker-compose.yml');
    for (const [, key, value] of raw.matchAll(/^\s+([A-Z_]*(?:PASSWORD|TOKEN)[A-Z_]*):\s*(.*)$/gm)) {
      // required (:?), or optional with an empty default (:-): never a literal secret
      expect(value, `${key} must come from .env`).toMatch(/^\$\{[A-Z_]+(:\?[^}]*|:-)?\}$/);
    }
    const example = new Set([...read('.env.example').matchAll(/^([A-Z_][A-Z0-9_]*)=/gm)].map((m) => m[1]));
    for (const [, name] of raw.matchAll(/\$\{([A-Z_][A-Z0-9_]*)/g)) expect(example, `.env.example should list ${name}`).toContain(name);
    expect(readFileSync(join(ROOT, '.gitignore'), 'utf8').split('\n')).toContain('.env');
  });
});

import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { MIXED } from './src/datasources.ts';
import { DASHBOARDS_DIR } from './src/generate.ts';
import type { Panel } from './src/model.ts';
import { allDashboards, renderDashboard } from './src/render.ts';
import { panelTargets } from './testing/targets.ts';

const PROVISIONING = join(import.meta.dirname, 'grafana', 'provisioning');
const datasources = (parseYaml(readFileSync(join(PROVISIONING, 'datasources', 'sunshare.yaml'), 'utf8')) as { datasources: { uid: string; type: string }[] }).datasources;
const provisioned = new Map(datasources.map((d) => [d.uid, d.type]));
const dashboards = allDashboards();

/** Panel types shipped with Grafana 10.4+ (no plugins needed). */
const CORE_PANELS = new Set(['row', 'timeseries', 'stat', 'bargauge', 'table', 'state-timeline']);
/** Grafana's own macros and the panel-link variables, which are not dashboard variables. */
const BUILT_IN = /^(timeFilter|__\w+|tag_\w+)$/;

describe('the committed dashboards', () => {
  it('are exactly what dashboards/src generates (run node dashboards/src/generate.ts)', () => {
    const onDisk = readdirSync(DASHBOARDS_DIR).filter((f) => f.endsWith('.json')).sort();
    expect(onDisk).toEqual(dashboards.map((d) => d.file).sort());
    for (const { file, dashboard } of dashboards) {
      expect(readFileSync(join(DASHBOARDS_DIR, file), 'utf8'), file).toBe(renderDashboard(dashboard));
    }
  });

  it('have unique, stable uids and titles', () => {
    expect(dashboards.map((d) => d.dashboard.uid)).toEqual(['sunshare-fleet', 'sunshare-site', 'sunshare-inverter', 'sunshare-revenue']);
    expect(new Set(dashboards.map((d) => d.dashboard.title)).size).toBe(dashboards.length);
    for (const { dashboard } of dashboards) expect(dashboard.uid).toMatch(/^[a-z0-9-]{1,40}$/);
  });
});

describe('the provisioning files', () => {
  it('define the InfluxDB (InfluxQL with a Token header) and PostgreSQL datasources', () => {
    const influx = datasources.find((d) => d.type === 'influxdb') as unknown as { jsonData: Record<string, string>; secureJsonData: Record<string, string> };
    expect(influx.jsonData.httpHeaderName1).toBe('Authorization');
    expect(influx.secureJsonData.httpHeaderValue1).toBe('Token ${INFLUX_TOKEN}');
    expect(influx.jsonData).not.toHaveProperty('version'); // no version = InfluxQL
    expect([...provisioned.values()].sort()).toEqual(['grafana-postgresql-datasource', 'influxdb']);
  });

  it('load the dashboards from the folder docker-compose.yml mounts them at', () => {
    const providers = (parseYaml(readFileSync(join(PROVISIONING, 'dashboards', 'sunshare.yaml'), 'utf8')) as { providers: { options: { path: string } }[] }).providers;
    const compose = readFileSync(join(import.meta.dirname, '..', 'docker-compose.yml'), 'utf8');
    expect(compose).toContain(`./dashboards/grafana/dashboards:${providers[0]!.options.path}:ro`);
  });
});

for (const { dashboard } of dashboards) {
  describe(dashboard.title, () => {
    const panels = dashboard.panels.filter((p): p is Panel => p.type !== 'row');
    const variables = new Map(dashboard.templating.list.map((v) => [v.name, v]));

    it('has panels with unique ids, core types and a place on the 24-column grid without overlaps', () => {
      expect(panels.length).toBeGreaterThan(0);
      expect(new Set(dashboard.panels.map((p) => p.id)).size).toBe(dashboard.panels.length);
      const cells = new Set<string>();
      for (const p of dashboard.panels) {
        expect(CORE_PANELS, p.type).toContain(p.type);
        const { x, y, w, h } = p.gridPos;
        expect(x >= 0 && w > 0 && h > 0 && x + w <= 24, `${p.title} gridPos`).toBe(true);
        for (let i = x; i < x + w; i++) for (let j = y; j < y + h; j++) {
          expect(cells.has(`${i},${j}`), `${p.title} overlaps another panel at ${i},${j}`).toBe(false);
          cells.add(`${i},${j}`);
        }
      }
    });

    it('refers only to provisioned datasources, by uid and matching type', () => {
      for (const { panel, target, name } of panelTargets(dashboard)) {
        expect(provisioned.get(target.datasource.uid), name).toBe(target.datasource.type);
        if (panel.datasource.uid !== MIXED.uid) expect(panel.datasource, name).toEqual(target.datasource);
        else expect(new Set(panel.targets.map((t) => t.datasource.uid)).size, name).toBeGreaterThan(1);
        expect(panel.targets.filter((t) => t.refId === target.refId), `${name}: refIds are unique in a panel`).toHaveLength(1);
      }
      for (const v of variables.values()) if (v.datasource) expect(provisioned.get(v.datasource.uid), v.name).toBe(v.datasource.type);
    });

    it('uses only variables it defines (and defines each before it is used by another)', () => {
      const seen: string[] = [];
      for (const v of dashboard.templating.list) {
        for (const [, name] of v.query.matchAll(/\$\{?(\w+)/g)) expect(seen, `$${v.name} uses $${name}`).toContain(name);
        seen.push(v.name);
      }
      for (const { target, name } of panelTargets(dashboard)) {
        const text = 'query' in target ? target.query : target.rawSql;
        for (const [, used] of text.matchAll(/\$\{?(\w+)|\[\[(\w+)\]\]/g)) {
          if (used && !BUILT_IN.test(used)) expect([...variables.keys()], `${name} uses $${used}`).toContain(used);
        }
      }
    });

    it('has template variables for the site (and the device where it shows devices)', () => {
      expect(variables.has('site')).toBe(true);
      if (dashboard.uid === 'sunshare-site' || dashboard.uid === 'sunshare-inverter') expect(variables.has('device')).toBe(true);
    });
  });
}

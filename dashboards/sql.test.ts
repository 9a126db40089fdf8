import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLedger, type Db } from '../common/ledger/index.ts';
import { PG_ADMIN_URL, createPgDatabase, postgresAvailable, type PgDatabase } from '../common/testing/index.ts';
import { LEDGER } from './src/datasources.ts';
import type { Dashboard, SqlTarget } from './src/model.ts';
import { allDashboards } from './src/render.ts';
import { LEDGER_FROM_MS, LEDGER_TO_MS, fillLedger } from './testing/ledger-data.ts';
import { expandSql } from './testing/macros.ts';
import { panelTargets, resolveVariables } from './testing/targets.ts';

/**
 * Every SQL query in the dashboards, with Grafana's macros and variables
 * expanded, on a PostgreSQL ledger filled by the real ingest/payout code paths,
 * run as the read-only role Grafana gets in production
 * (dashboards/postgres/10-grafana-reader.sh).
 */
const READER_SCRIPT = join(import.meta.dirname, 'postgres', '10-grafana-reader.sh');

describe.skipIf(!(await postgresAvailable()))('every SQL query in the dashboards, on a PostgreSQL ledger, as the read-only Grafana role', () => {
  let database: PgDatabase;
  let ledger: Db;
  let reader: pg.Client;
  const role = `grafana_reader_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const values = new Map<string, { values: Record<string, string[]>; all: Set<string> }>();

  const query = async (dashboard: Dashboard, rawSql: string) => {
    const q = expandSql(rawSql, { from: LEDGER_FROM_MS, to: LEDGER_TO_MS, intervalMs: 86_400_000, ...values.get(dashboard.uid)!, variables: dashboard.templating.list });
    return { q, rows: (await reader.query(q)).rows as Record<string, unknown>[] };
  };

  beforeAll(async () => {
    database = await createPgDatabase('sunshare_dash');
    const url = new URL(database.url);
    const admin = new URL(PG_ADMIN_URL);
    // As the PostgreSQL image does on first start: the init script runs before any migration.
    const init = spawnSync('sh', [READER_SCRIPT], {
      encoding: 'utf8',
      env: {
        ...process.env,
        PGHOST: admin.hostname,
        PGPORT: admin.port || '5432',
        ...(admin.password ? { PGPASSWORD: decodeURIComponent(admin.password) } : {}),
        POSTGRES_USER: decodeURIComponent(admin.username) || 'postgres',
        POSTGRES_DB: url.pathname.slice(1),
        LEDGER_READER_USER: role,
        LEDGER_READER_PASSWORD: 'reader-secret',
      },
    });
    expect(init.status, init.stderr).toBe(0);
    ledger = await openLedger(database.url);
    await fillLedger(ledger);
    url.username = role;
    url.password = 'reader-secret';
    reader = new pg.Client({ connectionString: url.toString() });
    await reader.connect();
    const sites = (await reader.query('SELECT id FROM sites ORDER BY id')).rows.map((r: { id: string }) => r.id);
    for (const { dashboard } of allDashboards()) {
      values.set(
        dashboard.uid,
        await resolveVariables(dashboard.templating.list, {}, async (v, soFar, allSoFar) => {
          if (v.datasource?.uid !== LEDGER.uid) return sites; // InfluxDB variables (site ids): the ledger's sites
          const q = expandSql(v.query, { from: LEDGER_FROM_MS, to: LEDGER_TO_MS, intervalMs: 86_400_000, values: soFar, all: allSoFar, variables: dashboard.templating.list });
          return (await reader.query(q)).rows.map((r: Record<string, unknown>) => String(Object.values(r)[0]));
        }),
      );
    }
  });

  afterAll(async () => {
    await reader?.end();
    await ledger?.close();
    await database?.drop();
    const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
    await admin.connect();
    await admin.query(`DROP ROLE IF EXISTS ${role}`);
    await admin.end();
  });

  for (const { dashboard } of allDashboards()) {
    const targets = panelTargets(dashboard).filter((t) => t.target.datasource.uid === LEDGER.uid);
    if (targets.length === 0) continue;
    it.each(targets.map((t) => [t.name, t] as const))('%s returns rows', async (_name, { target }) => {
      const sqlTarget = target as SqlTarget;
      const { q, rows } = await query(dashboard, sqlTarget.rawSql);
      expect(rows.length, `no rows from: ${q}`).toBeGreaterThan(0);
      if (sqlTarget.format === 'time_series') {
        for (const row of rows) {
          expect(row.time, q).toBeInstanceOf(Date);
          expect(Number.isFinite(Number(row.value)), `value in ${JSON.stringify(row)}`).toBe(true);
        }
      }
    });
  }

  describe('the revenue dashboard adds up', () => {
    const revenue = allDashboards().find((d) => d.dashboard.uid === 'sunshare-revenue')!.dashboard;
    const single = async (title: string) => {
      const t = panelTargets(revenue).find((x) => x.panel.title === title)!;
      return (await query(revenue, (t.target as SqlTarget).rawSql)).rows;
    };

    it('revenue = households + company = the settlements\' latest revenue, to the fen', async () => {
      const total = Number((await single('Revenue'))[0]!.yuan);
      const households = Number((await single('Households\' share'))[0]!.yuan);
      const company = Number((await single('Company\'s share'))[0]!.yuan);
      const latest = await ledger.get<{ fen: string }>(
        'SELECT sum(revenue_fen) AS fen FROM settlements s WHERE s.version = (SELECT max(version) FROM settlements x WHERE x.site_id = s.site_id AND x.day = s.day)',
      );
      expect(Math.round(total * 100)).toBe(Number(latest!.fen));
      expect(Math.round(households * 100) + Math.round(company * 100)).toBe(Math.round(total * 100));
      expect(households).toBeGreaterThan(0);
      expect(company).toBeGreaterThan(households); // 12 of every 15 kW are the company's
    });

    it("shows every allocated household once, with a full year's target for a full-year 3 kW share", async () => {
      const rows = await single("Each household's year to date against its annual target");
      const allocated = await ledger.all<{ n: string }>("SELECT count(DISTINCT site_id || '/' || household_id) AS n FROM allocations WHERE valid_to IS NULL OR valid_to >= '2026-01-01'");
      expect(rows.length).toBe(Number(allocated[0]!.n));
      const full = await ledger.get<{ household_id: string }>("SELECT household_id FROM allocations WHERE share_w = 3000 AND valid_from <= '2026-01-01' AND valid_to IS NULL LIMIT 1");
      const name = (await ledger.get<{ name: string }>('SELECT name FROM households WHERE id = ?', [full!.household_id]))!.name;
      const row = rows.find((r) => r.Household === name)!;
      expect(Number(row['Annual target (yuan)'])).toBe(3000);
      expect(Number(row['Year to date (yuan)'])).toBeGreaterThan(0);
    });

    it('lists the correction the late data caused', async () => {
      const rows = await single('Corrections posted');
      expect(rows.map((r) => [r.Day, r.Version])).toEqual([['2026-09-10', 2]]);
    });
  });

  it('gives the Grafana role read access only', async () => {
    await expect(reader.query("INSERT INTO sites (id, name, capacity_w) VALUES ('x', 'x', 1)")).rejects.toThrow(/permission denied/);
    await expect(reader.query('DELETE FROM settlement_lines')).rejects.toThrow(/permission denied/);
  });
});

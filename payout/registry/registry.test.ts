import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestLedger, postgresAvailable, type TestLedger } from '../../common/testing/index.ts';
import { openLedger, type Db } from '../../common/ledger/index.ts';
import { SunshareError } from '../../common/errors.ts';
import { EXAMPLE_REGISTRY, tempFile } from '../testing/fixture.ts';
import { exportRegistry } from './export.ts';
import { importRegistry } from './import.ts';
import { maskBankAccount, maskIdCard } from './mask.ts';

const pgUp = await postgresAvailable();

async function problemsOf(p: Promise<unknown>): Promise<readonly string[]> {
  try {
    await p;
  } catch (err) {
    if (err instanceof SunshareError) return err.details;
    throw err;
  }
  throw new Error('expected the import to fail');
}

function writeAll(files: Map<string, Buffer>): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'sunshare-export-'));
  return [...files].map(([name, data]) => {
    writeFileSync(join(dir, name), data);
    return join(dir, name);
  });
}

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe.skipIf(dialect === 'postgres' && !pgUp)(`registry on ${dialect}`, () => {
    let db: Db;
    let ledger: TestLedger | undefined;
    beforeAll(async () => {
      ledger = await openTestLedger(dialect, 'sunshare_registry');
      db = ledger.db;
    });
    afterAll(async () => {
      await ledger?.close();
    });

    it('imports the example county registry', async () => {
      expect(await importRegistry(db, EXAMPLE_REGISTRY)).toEqual({ sites: 2, devices: 10, households: 25, allocations: 25, tariffs: 2, policies: 2 });
      const site = await db.get<{ capacity_w: number }>("SELECT capacity_w FROM sites WHERE id = 'ry-dq-01'");
      expect(site!.capacity_w).toBe(300_000);
      const t = await db.get<{ grid_rate: number; subsidy_rate: number }>("SELECT grid_rate, subsidy_rate FROM tariffs WHERE site_id = 'ry-dq-01'");
      expect(t).toEqual({ grid_rate: 45_300, subsidy_rate: 52_700 });
    });

    it('reports every bad row and column at once and imports nothing', async () => {
      const households = tempFile('households.csv', 'id,name,village,id_card,colour\nhx1,新户甲,东光村,12345,red\nhx1,新户乙,东光村,,\nhx2,,东光村,,\n');
      const allocations = tempFile(
        'allocations.csv',
        [
          'id,household_id,site_id,share_kw,valid_from,valid_to,reason',
          'ax1,hx1,nowhere,3,2018-01-01,,',
          'ax2,hx1,ry-dq-02,3,2018-02-30,,',
          'ax3,hh001,ry-dq-01,3,2018-01-01,2017-12-31,',
          'ax4,hh002,ry-dq-01,3,2017-03-01,,',
          'ax5,hx1,ry-dq-02,140,2018-01-01,,',
          'ax6,ghost,ry-dq-02,abc,2018-01-01,,',
        ].join('\n'),
      );
      const before = await db.get<{ n: number }>('SELECT COUNT(*) AS n FROM households');
      const problems = await problemsOf(importRegistry(db, [households, allocations]));
      // every message names the file, the line and the column
      for (const p of problems) expect(p).toMatch(/^(households|allocations)\.csv line \d+ column \w+: /);
      expect(problems).toEqual(
        expect.arrayContaining([
          'households.csv line 1 column 5: unknown column "colour" (expected id, name, town, village, id_card, bank_account)',
          'households.csv line 2 column id_card: "12345" is not a 15 or 18 character ID card number',
          'households.csv line 4 column name: required',
          'households.csv line 3 column id: duplicate households id "hx1" (first at households.csv line 2)',
          'allocations.csv line 2 column site_id: unknown site "nowhere" for this allocation',
          'allocations.csv line 3 column valid_from: "2018-02-30" is not a date YYYY-MM-DD',
          'allocations.csv line 4 column valid_to: valid_to 2017-12-31 is before valid_from 2018-01-01',
          'allocations.csv line 5 column valid_from: allocation ax4 of household hh002 overlaps allocation al002 (ledger allocation al002) on site ry-dq-01',
          'allocations.csv line 7 column share_kw: "abc" is not a positive number of kW (at most 3 decimals)',
          'allocations.csv line 7 column household_id: unknown household "ghost"',
          // the row that tips the site over, not every allocation of that day
          'allocations.csv line 6 column share_kw: allocation ax5 (140 kW from 2018-01-01) overbooks site ry-dq-02 on 2018-01-01: 12 kW is already allocated that day, the capacity is 150 kW',
        ]),
      );
      expect(await db.get<{ n: number }>('SELECT COUNT(*) AS n FROM households')).toEqual(before);
    });

    it('exports personal data masked, and neutralises cells that would run as formulas', async () => {
      await importRegistry(db, [tempFile('households.csv', 'id,name,village\nhx9,"=HYPERLINK(""http://x"")",东光村\n')]);
      const files = await exportRegistry(db, 'csv');
      const text = files.get('households.csv')!.toString('utf8');
      expect(text.startsWith('\uFEFF')).toBe(true);
      expect(text).toContain('"\'=HYPERLINK(""http://x"")"');
      expect(text).toContain(maskIdCard('440232196003137660'));
      expect(text).not.toContain('440232196003137660');
      expect(text).toContain('***************6131');
      expect(await db.get<{ n: number }>('SELECT COUNT(*) AS n FROM finance_exports')).toEqual({ n: 0 });
    });

    it('round-trips a recorded finance export, CSV and XLSX, into an empty ledger', async () => {
      for (const format of ['csv', 'xlsx'] as const) {
        const files = writeAll(await exportRegistry(db, format, { finance: { by: 'auditor-test' } }));
        const fresh = await openLedger(':memory:');
        await importRegistry(fresh, files.filter((f) => !f.endsWith('households.csv')).concat(files.filter((f) => f.endsWith('households.csv'))));
        for (const table of ['sites', 'devices', 'households', 'allocations', 'tariffs', 'site_policies']) {
          const q = `SELECT * FROM ${table} ORDER BY 1, 2`;
          expect(await fresh.all(q), `${format} ${table}`).toEqual(await db.all(q));
        }
        await fresh.close();
      }
      const csv = (await exportRegistry(db, 'csv', { finance: { by: 'auditor-test' } })).get('households.csv')!.toString('utf8');
      expect(csv).toContain(',\t6217181590830166131'); // kept as text when Excel opens it
      const rec = await db.all<{ exported_by: string; rows: number }>('SELECT exported_by, rows FROM finance_exports');
      expect(rec).toEqual([1, 2, 3].map(() => ({ exported_by: 'auditor-test', rows: 26 })));
    });

    it('keys tariffs by id: a corrected start date corrects the tariff, without an id it is refused as an overlap', async () => {
      const header = 'id,site_id,valid_from,valid_to,grid_yuan_per_kwh,subsidy_yuan_per_kwh';
      // the example's tariff (id by its old key) ends, a new one starts
      await importRegistry(db, [tempFile('tariffs.csv', `${header}\nry-dq-02_2017-03-15,ry-dq-02,2017-03-15,2019-01-09,0.453,0.397\nt-2019,ry-dq-02,2019-01-10,,0.453,0.35\n`)]);
      // the dates were wrong: the change was on the 1st, not the 10th
      await importRegistry(db, [tempFile('tariffs.csv', `${header}\nry-dq-02_2017-03-15,ry-dq-02,2017-03-15,2018-12-31,0.453,0.397\nt-2019,ry-dq-02,2019-01-01,,0.453,0.35\n`)]);
      const rows = await db.all<{ id: string; valid_from: string }>("SELECT id, valid_from FROM tariffs WHERE site_id = 'ry-dq-02' AND valid_from >= '2019-01-01'");
      expect(rows).toEqual([{ id: 't-2019', valid_from: '2019-01-01' }]);
      // a file without ids keys its rows by site and start: another start is another tariff, refused as an overlap
      const old = 'site_id,valid_from,valid_to,grid_yuan_per_kwh,subsidy_yuan_per_kwh';
      const problems = await problemsOf(importRegistry(db, [tempFile('tariffs.csv', `${old}\nry-dq-02,2019-01-05,,0.453,0.397\n`)]));
      expect(problems).toEqual(['tariffs.csv line 2 column valid_from: tariff overlaps ledger tariff ry-dq-02 from 2019-01-01 on site ry-dq-02']);
      // a tariff written without an id (older code, SQL by hand) gets the old key as its id
      await db.run("INSERT INTO tariffs (site_id, valid_from, grid_rate, subsidy_rate) VALUES ('ry-dq-01', '2030-01-01', 45300, 0)");
      expect(await db.get("SELECT id FROM tariffs WHERE site_id = 'ry-dq-01' AND valid_from = '2030-01-01'")).toEqual({ id: 'ry-dq-01_2030-01-01' });
    });
  });
}

describe('ids', () => {
  it('takes only the telemetry contract\'s ids, naming file, line and column', async () => {
    const db = await openLedger(':memory:');
    const sites = tempFile('sites.csv', 'id,name,town,village,capacity_kw,time_zone,commissioned_on\n__proto__,甲,镇,村,10,Asia/Shanghai,2020-01-01\n-x,乙,镇,村,10,Asia/Shanghai,2020-01-01\nok-1,丙,镇,村,10,Asia/Shanghai,2020-01-01\n');
    const problems = await problemsOf(importRegistry(db, [sites]));
    expect(problems).toEqual([
      expect.stringMatching(/sites\.csv line 2 column id: "__proto__" is not an id/),
      expect.stringMatching(/sites\.csv line 3 column id: "-x" is not an id/),
    ]);
    await db.close();
  });
});

describe('XLSX cells', () => {
  it('refuses an ID card that Excel stored as a number (its last digits are gone)', async () => {
    const ExcelJS = (await import('exceljs')).default;
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('households');
    ws.addRow(['id', 'name', 'id_card']);
    ws.addRow(['hz1', '测试', 440232196003137660]);
    const file = tempFile('registry.xlsx', Buffer.from(await wb.xlsx.writeBuffer()));
    const db = await openLedger(':memory:');
    const problems = await problemsOf(importRegistry(db, [file]));
    expect(problems).toEqual([expect.stringMatching(/^registry\.xlsx\[households\] line 2 column id_card: ".*format the cell as text\)" is not a 15 or 18 character ID card number$/)]);
    await db.close();
  });
});

describe('masking', () => {
  it('shows the first 3 and last 4 of an ID card and the last 4 of an account', () => {
    expect(maskIdCard('44023219600313766X')).toBe('440***********766X');
    expect(maskBankAccount('6217181590830166131')).toBe('***************6131');
  });
});

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../../common/errors.ts';
import { EXAMPLE_REGISTRY, EXAMPLES_DIR } from '../testing/fixture.ts';

const sunshare = (...args: string[]) => {
  const r = spawnSync(process.execPath, ['bin/sunshare.ts', ...args], { encoding: 'utf8', env: { ...process.env, DATABASE_URL: '' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
const done = (r: ReturnType<typeof sunshare>, text: string) => {
  expect(r.code, r.err).toBe(0);
  expect(r.out).toContain(text);
};

describe('sunshare payout month / payment-file / results', () => {
  it('takes the example registry from a settled month to a paid one, refusing the preparer as approver', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sunshare-bank-cli-'));
    const db = join(dir, 'ledger.sqlite');
    done(sunshare('ledger', 'create', '--ledger', db), 'created ledger');
    done(sunshare('registry', 'import', ...EXAMPLE_REGISTRY, '--ledger', db), 'households');
    done(sunshare('registry', 'import-reads', join(EXAMPLES_DIR, 'meter-reads.csv'), '--ledger', db), 'new');
    done(sunshare('payout', 'run', '--from', '2017-07-01', '--to', '2017-07-31', '--ledger', db), 'posted');
    const receipts = join(dir, 'grid.csv');
    writeFileSync(receipts, 'kind,site_id,period_from,period_to,kwh,amount_yuan,reference,received_on\ngrid,ry-dq-02,2017-07,2017-07,9300,1.00,G-7,2017-08-05');
    done(sunshare('payout', 'receipts', receipts, '--ledger', db), '1 receipt(s) imported');
    done(sunshare('payout', 'receipt-checks', '--site', 'ry-dq-02', '--ledger', db), 'energy_restatement');
    done(sunshare('payout', 'policy', '--site', 'ry-dq-01', '--policy', 'accrual', '--payer', 'company-abc', '--by', 'admin', '--ledger', db), 'paid on accrual from company-abc');
    done(sunshare('payout', 'month', 'draft', '--month', '2017-07', '--by', 'li', '--ledger', db), '2017-07 drafted');
    done(sunshare('payout', 'month', 'post', '--month', '2017-07', '--days', '0', '--by', 'li', '--out', dir, '--ledger', db), 'notice-2017-07.pdf');
    const self = sunshare('payout', 'month', 'approve', '--month', '2017-07', '--by', 'li', '--ledger', db);
    expect(self.code).toBe(EXIT.noperm);
    expect(self.err).toContain('APPROVER_IS_PREPARER');
    done(sunshare('payout', 'month', 'approve', '--month', '2017-07', '--by', 'wang', '--ledger', db), 'approved');
    done(sunshare('payout', 'month', 'pay', '--month', '2017-07', '--by', 'li', '--ledger', db), 'payment(s)');
    done(sunshare('payout', 'payment-file', '--month', '2017-07', '--payer', 'company-abc', '--by', 'zhao', '--out', dir, '--ledger', db), 'sha256');
    const rows: string[][] = parse(readFileSync(join(dir, 'payments-2017-07-company-abc-generic.csv')), { bom: true, relax_column_count: true });
    const results = join(dir, 'results.csv');
    writeFileSync(results, ['业务参考号,状态,原因,金额', ...rows.slice(2, -1).map((r, i) => `${r[1]},${i === 0 ? '退回,户名不符' : '成功,'},${r[4]}`)].join('\n'));
    done(sunshare('payout', 'results', results, '--by', 'zhao', '--ledger', db), '1 returned');
    const held = sunshare('payout', 'held', '--ledger', db);
    done(held, '户名不符');
    expect(held.out).not.toMatch(/\d{12}/); // masked
    done(sunshare('payout', 'figures', '--month', '2017-07', '--out', dir, '--ledger', db), 'figures-2017-07.xlsx');
    done(sunshare('payout', 'figures', '--month', '2017-07', '--household', 'hh001', '--out', dir, '--ledger', db), 'statement-hh001-2017-07.xlsx');
    done(sunshare('payout', 'month', 'status', '--month', '2017-07', '--ledger', db), '2017-07: done');
  }, 60_000);
});

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERRORS } from '../common/errors.ts';
import { EXAMPLE_REGISTRY, EXAMPLES_DIR, tempFile } from './testing/fixture.ts';

const sunshare = (...args: string[]) => {
  const r = spawnSync(process.execPath, ['bin/sunshare.ts', ...args], { encoding: 'utf8', env: { ...process.env, DATABASE_URL: '' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

/** The command exited 0 and its output says `text` (a failure shows what it wrote to stderr). */
function expectDone(r: ReturnType<typeof sunshare>, text: string): void {
  expect(r.code, r.err).toBe(0);
  expect(r.out).toContain(text);
}

const sunshareAsync = (...args: string[]) =>
  new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
    const c = spawn(process.execPath, ['bin/sunshare.ts', ...args], { env: { ...process.env, DATABASE_URL: '' } });
    let out = '';
    let err = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    c.stderr.on('data', (d: Buffer) => (err += d.toString()));
    c.on('close', (code) => resolve({ code, out, err }));
  });

describe('sunshare payout and registry commands', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sunshare-payout-cli-'));
  const db = join(dir, 'ledger.sqlite');

  it('makes a ledger only with `ledger create`; every other command refuses a missing one, naming it, and creates nothing', () => {
    const missing = join(dir, 'no-such', 'ledger.sqlite');
    for (const args of [
      ['payout', 'run', '--date', '2017-07-01'],
      ['payout', 'report', '--month', '2017-07', '--out', join(dir, 'nothing')],
      ['payout', 'close', '--month', '2017-07'],
      ['registry', 'import', ...EXAMPLE_REGISTRY],
      ['registry', 'list', 'sites'],
      ['api', 'token', 'list'],
      ['api', '--port', '0', '--no-mqtt-live'],
      ['ingest', 'close-days'],
      ['payout', 'month', 'status', '--month', '2017-07'],
      ['payout', 'held'],
      ['monitor'],
      ['ingest', 'dead-letters', 'list'],
    ]) {
      const r = sunshare(...args, '--ledger', missing);
      expect(r.code, args.join(' ')).toBe(ERRORS.LEDGER_MISSING.exit);
      expect(r.err).toContain(`LEDGER_MISSING: ledger ${missing} does not exist; create it first with \`sunshare ledger create --ledger ${missing}\``);
    }
    expect(existsSync(missing)).toBe(false);
    expect(existsSync(join(dir, 'nothing'))).toBe(false);
    // and without --ledger: the default path in a folder without a ledger
    const cwd = mkdtempSync(join(tmpdir(), 'sunshare-no-ledger-'));
    const r = spawnSync(process.execPath, [join(process.cwd(), 'bin/sunshare.ts'), 'payout', 'run', '--date', '2017-07-01'], { cwd, encoding: 'utf8', env: { ...process.env, DATABASE_URL: '' } });
    expect(r.status).toBe(ERRORS.LEDGER_MISSING.exit);
    expect(r.stderr).toContain('ledger data/ledger.sqlite does not exist');
    expect(readdirSync(cwd)).toEqual([]);
    expectDone(sunshare('ledger', 'create', '--ledger', db), `created ledger ${db}`);
    // a ledger with no registry yet: nothing to settle is an error, not "0 posted"
    const empty = sunshare('payout', 'run', '--date', '2017-07-01', '--ledger', db);
    expect(empty.code).toBe(ERRORS.REGISTRY_EMPTY.exit);
    expect(empty.err).toContain(`REGISTRY_EMPTY: ledger ${db} has no sites: nothing to settle`);
    const again = sunshare('ledger', 'create', '--ledger', db);
    expect(again.code).toBe(ERRORS.LEDGER_EXISTS.exit);
    expect(again.err).toContain(`LEDGER_EXISTS: ledger ${db} already exists; nothing changed`);
    expectDone(sunshare('ledger', 'create', '--exists-ok', '--ledger', db), `ledger already there: ${db}`);
  });

  it('imports, settles, re-settles as a no-op and writes the month report', () => {
    if (!existsSync(db)) expectDone(sunshare('ledger', 'create', '--ledger', db), 'created ledger');
    expectDone(sunshare('registry', 'import', ...EXAMPLE_REGISTRY, '--ledger', db), '25 households');
    expectDone(sunshare('registry', 'import-reads', join(EXAMPLES_DIR, 'meter-reads.csv'), '--ledger', db), '7 new');
    expectDone(sunshare('payout', 'run', '--from', '2017-07-01', '--to', '2017-07-07', '--ledger', db), '14 posted');
    expectDone(sunshare('payout', 'run', '--date', '2017-07-03', '--ledger', db), '0 posted, 0 adjusted (new versions), 2 unchanged');
    const out = join(dir, 'report');
    // a month nothing was settled for: no empty report, an error saying what to run
    const nothing = sunshare('payout', 'report', '--month', '2016-01', '--out', join(dir, 'empty-report'), '--ledger', db);
    expect(nothing.code).toBe(ERRORS.REPORT_NOTHING_SETTLED.exit);
    expect(nothing.err).toContain('REPORT_NOTHING_SETTLED: nothing is settled for or payable in 2016-01 in ledger');
    expect(nothing.err).toContain('run `sunshare payout run --from 2016-01-01 --to 2016-01-31` first');
    expect(existsSync(join(dir, 'empty-report'))).toBe(false);
    const noStatement = sunshare('payout', 'statement', '--month', '2016-01', '--household', 'hh001', '--out', join(dir, 'empty-report'), '--ledger', db);
    expect(noStatement.code).toBe(ERRORS.REPORT_NOTHING_SETTLED.exit);
    expect(existsSync(join(dir, 'empty-report'))).toBe(false);
    // report, statement and reconcile: one default format, xlsx
    expect(sunshare('payout', 'report', '--month', '2017-07', '--out', out, '--ledger', db).code).toBe(0);
    expect(readdirSync(out)).toEqual(['payout-2017-07.xlsx']);
    expect(sunshare('payout', 'statement', '--month', '2017-07', '--household', 'hh001', '--out', out, '--ledger', db).code).toBe(0);
    expect(existsSync(join(out, 'statement-2017-07-hh001.xlsx'))).toBe(true);
    expect(sunshare('payout', 'reconcile', '--month', '2017-07', '--out', out, '--ledger', db).code).toBe(0);
    expect(existsSync(join(out, 'reads-2017-07.xlsx'))).toBe(true);
    expect(sunshare('payout', 'statement', '--month', '2017-07', '--household', 'hh001', '--format', 'pdf', '--out', out, '--ledger', db).err).toContain('REPORT_FORMAT_UNSUPPORTED');
  });

  it('prints the 公示 as a PDF whose digest `payout verify` matches to the ledger (and refuses it for another village)', () => {
    const out = join(dir, 'notice');
    expectDone(sunshare('payout', 'report', '--month', '2017-07', '--village', '东光村', '--format', 'pdf', '--out', out, '--ledger', db), 'notice-2017-07-东光村.pdf');
    const text = spawnSync('pdftotext', [join(out, 'notice-2017-07-东光村.pdf'), '-'], { encoding: 'utf8' }).stdout;
    const digest = /账本摘要 SHA-256 ([0-9a-f]{64})/.exec(text)?.[1];
    expect(digest, text).toBeDefined();
    expectDone(sunshare('payout', 'verify', '--month', '2017-07', '--village', '东光村', '--digest', digest!, '--ledger', db), 'matches');
    const other = sunshare('payout', 'verify', '--month', '2017-07', '--village', '龙会村', '--digest', digest!, '--ledger', db);
    expect(other.code).toBe(ERRORS.REPORT_DIGEST_MISMATCH.exit);
    expect(other.err).toContain('REPORT_DIGEST_MISMATCH');
  });

  it('lists missing data in words in the run summary, and exits 65 with --fail-on-missing', () => {
    // the example meter reads cover 2017-07-01..07 only, and no telemetry was ingested: the 8th has no data
    const plain = sunshare('payout', 'run', '--date', '2017-07-08', '--ledger', db);
    expectDone(plain, '缺数据 站点 ry-dq-01 2017-07-08：无任何电量数据，各户按 0.00 元入账 / missing data: site ry-dq-01 2017-07-08: no energy data at all, every household credited 0.00');
    const strict = sunshare('payout', 'run', '--date', '2017-07-08', '--fail-on-missing', '--ledger', db);
    expect(strict.code).toBe(ERRORS.PAYOUT_DATA_MISSING.exit);
    expect(strict.out).toContain('site-days with missing data: 2, with partial data: 0');
    expect(strict.err).toContain('PAYOUT_DATA_MISSING: 2 site-day(s) settled with missing (2) or partial (0) data');
    const complete = sunshare('payout', 'run', '--date', '2017-07-03', '--site', 'ry-dq-01', '--fail-on-missing', '--ledger', db); // the grid company's read
    expect(complete.code, complete.err).toBe(0);
    expect(complete.out).not.toContain('missing data');
  });

  it('lets two runs started at once post only once between them', async () => {
    const [a, b] = await Promise.all([0, 1].map(() => sunshareAsync('payout', 'run', '--from', '2017-01-01', '--to', '2021-12-31', '--ledger', db)));
    const outcomes = [a!, b!].map((r) => (r.code === 0 && /[1-9]\d* posted/.test(r.out) ? 'posted' : r.code === 0 && r.out.includes(' 0 posted') ? 'unchanged' : /PAYOUT_LOCKED: .*pid \d+/.test(r.err) ? 'locked' : `??? ${r.code} ${r.out} ${r.err}`));
    expect(outcomes.sort()).toSatisfy((o: string[]) => ['locked,posted', 'posted,unchanged'].includes(o.join(',')));
    const counts = sunshare('payout', 'run', '--from', '2017-01-01', '--to', '2021-12-31', '--ledger', db);
    expect(counts.out).toContain(' 0 posted, 0 adjusted');
  });

  it('survives a kill -9 in the middle of a run: whole site-days only, and the dead run does not block the next', async () => {
    const c = spawn(process.execPath, ['bin/sunshare.ts', 'payout', 'run', '--from', '2022-01-01', '--to', '2031-12-31', '--ledger', db], { env: { ...process.env, DATABASE_URL: '' } });
    const { waitFor } = await import('../common/testing/index.ts');
    const { openDb } = await import('../common/ledger/index.ts');
    const ledger = await openDb(db);
    const count = async (sql: string) => Number(Object.values((await ledger.get<Record<string, number>>(sql))!)[0]);
    // killed as soon as it holds its lock: settling years of days, it is then mid-run
    await waitFor(async () => (await count('SELECT COUNT(*) FROM run_locks')) === 1, 'the run to take its lock', 20_000, 5);
    c.kill('SIGKILL');
    await new Promise((r) => c.on('close', r));
    expect(await count('SELECT COUNT(*) FROM run_locks')).toBe(1); // left behind by the dead run
    const again = sunshare('payout', 'run', '--from', '2022-01-01', '--to', '2031-12-31', '--ledger', db);
    expect(again.code, again.err).toBe(0);
    const broken = `SELECT COUNT(*) FROM settlements s WHERE s.day >= '2022-01-01' AND COALESCE((SELECT SUM(amount_fen) FROM settlement_lines l WHERE l.settlement_id = s.id), -1) <> s.revenue_fen`;
    expect(await count(broken)).toBe(0);
    // every day up to yesterday in the sites' time zone; today and later have not ended and are not settled
    const { daysBetween, todayIn, DEFAULT_TIME_ZONE } = await import('../common/index.ts');
    expect(await count("SELECT COUNT(*) FROM settlements WHERE day >= '2022-01-01'")).toBe(2 * daysBetween('2022-01-01', todayIn(DEFAULT_TIME_ZONE)));
    await ledger.close();
  });

  it('exits with the status of REGISTRY_INVALID, listing every problem of a bad import', () => {
    const bad = tempFile('allocations.csv', 'id,household_id,site_id,share_kw,valid_from\nz1,nobody,ry-dq-01,3,2017-13-01\n');
    const r = sunshare('registry', 'import', bad, '--ledger', db);
    expect(r.code).toBe(ERRORS.REGISTRY_INVALID.exit);
    expect(r.err).toContain('REGISTRY_INVALID: nothing imported: 2 problems');
    expect(r.err).toContain('allocations.csv line 2 column valid_from: "2017-13-01" is not a date YYYY-MM-DD');
    expect(r.err).toContain('allocations.csv line 2 column household_id: unknown household "nobody"');
  });

  it('explains itself in --help', () => {
    const r = sunshare('payout', '--help');
    for (const c of ['run', 'report', 'statement', 'reconcile', 'topup', 'schedule']) expect(r.out).toContain(c);
    expect(sunshare('registry', 'import', '--help').out).toContain('allocations  id, household_id, site_id, share_kw');
  });
});

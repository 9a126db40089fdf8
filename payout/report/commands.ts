import { isMonth, monthDays } from '../../common/index.ts';
import { SunshareError } from '../../common/errors.ts';
import { describeLedger, ledgerUrl, type Db } from '../../common/ledger/index.ts';
import { buildReconciliation, buildReport, buildStatement } from './build.ts';
import { reportFormat } from './formats.ts';
import { verifyDigest } from './provenance.ts';
import { withLedger, writeFiles } from '../command-io.ts';

/** The report commands' actions (loaded only when one runs). */
/** A report of a month nothing was settled for or paid in would be empty files and exit 0: refuse it, saying what to run. */
async function requireSettled(db: Db, month: string, ledger: string | undefined): Promise<void> {
  if (!isMonth(month)) return; // the report itself says what is wrong with the month
  const { first, last } = monthDays(month);
  const settled = await db.q.selectFrom('settlements').select('id').where('day', '>=', first).where('day', '<=', last).limit(1).executeTakeFirst();
  const paid = settled ?? (await db.q.selectFrom('settlement_lines').select('settlement_id').where('payable_month', '=', month).limit(1).executeTakeFirst());
  if (!paid) {
    throw new SunshareError('REPORT_NOTHING_SETTLED', `nothing is settled for or payable in ${month} in ledger ${describeLedger(ledgerUrl(ledger))}; run \`sunshare payout run --from ${first} --to ${last}\` first`);
  }
}

export async function reportCommand(o: { month: string; format?: string; site?: string; village?: string; out: string; ledger?: string }): Promise<void> {
  const format = reportFormat(o.format);
  const files = await withLedger(o.ledger, async (db) => {
    await requireSettled(db, o.month, o.ledger);
    return buildReport(db, { month: o.month, format, site: o.site, village: o.village });
  });
  writeFiles(o.out, files);
}

export async function statementCommand(o: { month: string; household: string; format?: string; out: string; ledger?: string }): Promise<void> {
  const format = reportFormat(o.format, ['xlsx', 'csv']);
  const files = await withLedger(o.ledger, async (db) => {
    await requireSettled(db, o.month, o.ledger);
    return buildStatement(db, { month: o.month, household: o.household, format });
  });
  writeFiles(o.out, files);
}

export async function reconcileCommand(o: { month: string; site?: string; format?: string; out: string; ledger?: string }): Promise<void> {
  const format = reportFormat(o.format, ['xlsx', 'csv']);
  writeFiles(o.out, await withLedger(o.ledger, (db) => buildReconciliation(db, { month: o.month, site: o.site, format })));
}

export async function verifyCommand(o: { month: string; site?: string; village?: string; digest: string; ledger?: string }): Promise<void> {
  const p = await withLedger(o.ledger, (db) => verifyDigest(db, o));
  console.log(`matches: the ledger still holds what the report was made from (run ${p.run_id || 'none'}, ${p.rows} rows, SHA-256 ${p.digest})`);
}

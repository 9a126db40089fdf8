import { join } from 'node:path';
import { mkdirSync, writeFileSync } from 'node:fs';
import { SunshareError } from '../../common/errors.ts';
import { formatYuan } from '../money/revenue.ts';
import { importReceipts } from '../receipts/import.ts';
import { receiptChecks } from '../receipts/accrued.ts';
import { maskBankAccount } from '../registry/mask.ts';
import { approveMonth, draftMonth, postMonth } from '../workflow/month.ts';
import { writeNotice } from '../workflow/notice.ts';
import { checkMonth, monthSteps, stateOf } from '../workflow/steps.ts';
import { payMonth } from './batch.ts';
import { exportPaymentFile } from './file.ts';
import { monthFigures } from './figures.ts';
import { figuresTables } from './figures-report.ts';
import { tablesToCsv, tablesToXlsx, type Table } from '../tables/table.ts';
import { latestPerPayer, loadItems } from './items.ts';
import { registerCollective, setSitePolicy } from './policy.ts';
import { importResults } from './results.ts';
import { paymentStatement, paymentStatementTable } from './statement.ts';
import { withLedger } from '../command-io.ts';

/** The actions of payout/bank-commands.ts (loaded only when one runs). */
function needBy(by: string | undefined, step: string): string {
  if (!by) throw new SunshareError('OPTION_INVALID', `month ${step} needs --by <name>: every step records who did it`);
  return by;
}

export async function receiptsCommand(files: string[], o: { ledger?: string }): Promise<void> {
  const r = await withLedger(o.ledger, (db) => importReceipts(db, files));
  console.log(`${r.imported} receipt(s) imported, ${r.unchanged} unchanged${r.restated.length ? `; restated to the statement's energy: ${r.restated.join(', ')}` : ''}`);
  for (const c of r.checks) console.log(`  ${c.kind} ${c.site_id} ${c.month}: accrued ${formatYuan(Number(c.accrued_fen))}, received ${formatYuan(Number(c.received_fen))}, difference ${formatYuan(Number(c.difference_fen))} (${c.rule})`);
}

export async function receiptChecksCommand(o: { site?: string; from?: string; to?: string; ledger?: string }): Promise<void> {
  for (const m of [o.from, o.to]) if (m !== undefined) checkMonth(m);
  const rows = await withLedger(o.ledger, (db) => receiptChecks(db, o));
  console.log('month\tsite\tkind\treference\treceived_on\taccrued\treceived\tdifference\trule');
  for (const c of rows) console.log([c.month, c.site_id, c.kind, c.reference, c.received_on, ...[c.accrued_fen, c.received_fen, c.difference_fen].map((x) => formatYuan(Number(x))), c.rule].join('\t'));
}

export async function policyCommand(o: { site: string; policy: string; payer: string; by: string; ledger?: string }): Promise<void> {
  const p = await withLedger(o.ledger, (db) => setSitePolicy(db, o.site, o.policy, o.payer, o.by));
  console.log(`${o.site}: paid on ${p.policy} from ${p.payer_account}`);
}

export async function collectiveCommand(o: { household: string; village: string; ledger?: string }): Promise<void> {
  await withLedger(o.ledger, (db) => registerCollective(db, o.household, o.village));
  console.log(`${o.household} is the village collective of ${o.village}`);
}

export async function monthCommand(step: string, o: { month: string; by?: string; days: string; out: string; ledger?: string }): Promise<void> {
  checkMonth(o.month);
  await withLedger(o.ledger, async (db) => {
    if (step === 'status') {
      const steps = await monthSteps(db, o.month);
      console.log(`${o.month}: ${stateOf(steps)}`);
      for (const s of steps) console.log(`  ${s.at} ${s.step} by ${s.actor} ${JSON.stringify(s.details)}`);
    } else if (step === 'draft') {
      const s = await draftMonth(db, o.month, { name: needBy(o.by, step) });
      console.log(`${o.month} drafted: ${String(s.details.households)} statements, ${formatYuan(Number(s.details.total_fen))} yuan to households`);
    } else if (step === 'post') {
      const s = await postMonth(db, o.month, { name: needBy(o.by, step) }, Number(o.days));
      mkdirSync(o.out, { recursive: true });
      const file = await writeNotice(db, o.month, String(s.details.posted_on), String(s.details.ends_on), o.out);
      console.log(`${o.month} posted (公示) until ${String(s.details.ends_on)}; notice: ${file.pdf} (printable), ${file.xlsx}`);
    } else if (step === 'approve') {
      await approveMonth(db, o.month, { name: needBy(o.by, step) });
      console.log(`${o.month} approved and closed`);
    } else if (step === 'pay') {
      const b = await payMonth(db, o.month, { name: needBy(o.by, step) });
      console.log(`${o.month}: ${b.items} payment(s), ${formatYuan(b.total_fen)} yuan; held ${b.held} (${formatYuan(b.held_fen)} yuan, see \`sunshare payout held\`); payer accounts: ${b.payers.join(', ')}`);
    } else {
      throw new SunshareError('OPTION_INVALID', `month step must be draft, post, approve, pay or status, got "${step}"`);
    }
  });
}

export async function paymentFileCommand(o: { month: string; by: string; payer: string; format: string; template: string; out: string; ledger?: string }): Promise<void> {
  if (o.format !== 'csv' && o.format !== 'xlsx') throw new SunshareError('OPTION_INVALID', `--format must be csv or xlsx, got "${o.format}"`);
  const format = o.format;
  const r = await withLedger(o.ledger, (db) => exportPaymentFile(db, { month: o.month, payer: o.payer, format, template: o.template, by: o.by, out: o.out }));
  console.log(`${join(o.out, r.name)}: ${r.rows} payments, ${formatYuan(r.total_fen)} yuan, sha256 ${r.sha256} (export recorded under ${o.by})`);
}

export async function resultsCommand(file: string, o: { by: string; template: string; ledger?: string }): Promise<void> {
  const r = await withLedger(o.ledger, (db) => importResults(db, file, { template: o.template, by: { name: o.by } }));
  console.log(`${r.paid} paid, ${r.returned} returned (carried to the next month), ${r.unchanged} unchanged${r.done.length ? `; done: ${r.done.join(', ')}` : ''}`);
}

async function writeTables(o: { format?: string; out?: string }, base: string, tables: Table[]): Promise<string> {
  if (o.format !== 'csv' && o.format !== 'xlsx') throw new SunshareError('OPTION_INVALID', `--format must be csv or xlsx, got "${o.format ?? ''}"`);
  mkdirSync(o.out ?? '.', { recursive: true });
  const file = join(o.out ?? '.', `${base}.${o.format}`);
  writeFileSync(file, o.format === 'xlsx' ? await tablesToXlsx(tables) : tablesToCsv(tables));
  return file;
}

export async function figuresCommand(o: { month: string; household?: string; format?: string; out?: string; ledger?: string }): Promise<void> {
  await withLedger(o.ledger, async (db) => {
    if (o.household) {
      const s = await paymentStatement(db, o.month, o.household);
      if (o.out) {
        const who = await db.q.selectFrom('households').select('name').where('id', '=', o.household).executeTakeFirst();
        const file = await writeTables(o, `statement-${o.household}-${o.month}`, [paymentStatementTable(s, who?.name ?? '')]);
        console.log(`${file}: the payments of ${o.household}, accounts masked`);
      }
      console.log(JSON.stringify(s, null, 2));
      return;
    }
    const f = await monthFigures(db, o.month);
    if (o.out) {
      const file = await writeTables(o, `figures-${o.month}`, await figuresTables(db, f));
      console.log(`${file}: households, collectives and the company apart`);
    }
    console.log('kind\tparties\taccrued\treceived\tadvanced\tpaid\theld\towed');
    for (const [kind, t] of Object.entries(f.totals)) {
      console.log([kind, t.parties, ...[t.accrued_fen, t.received_fen, t.advanced_fen, t.paid_fen, t.held_fen, t.owed_fen].map(formatYuan)].join('\t'));
    }
  });
}

export async function heldCommand(o: { ledger?: string }): Promise<void> {
  await withLedger(o.ledger, async (db) => {
    const open = [...latestPerPayer(await loadItems(db)).values()].filter((i) => i.status === 'held' || i.status === 'returned');
    console.log('household\tkind\tmonth\tpayer\taccount\tamount\tstatus\treason');
    for (const i of open) console.log([i.household_id, i.beneficiary_kind, i.month, i.payer_account, maskBankAccount(i.account), formatYuan(i.amount_fen), i.status, i.reason].join('\t'));
  });
}

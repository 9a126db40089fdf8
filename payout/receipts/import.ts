import type { Insertable } from 'kysely';
import type { Db, ReceiptAdjustmentsTable, ReceiptChecksTable } from '../../common/ledger/index.ts';
import { SunshareError } from '../../common/errors.ts';
import { monthOf, nextMonth } from '../../common/index.ts';
import { lastClosedMonth, openMonth } from '../period/close.ts';
import { insertRows } from '../settle/insert.ts';
import { siteMonthAccrual, partyOrder, type SiteMonthAccrual } from './accrued.ts';
import { parseReceipts, type ReceiptInput } from './parse.ts';
import { restateMonth } from './restate.ts';
import { splitSigned } from './split.ts';

export interface ImportReceiptsOptions {
  /** the clock: restated days' adjustments are paid in the month after the day or this month, whichever is later */
  now?: Date;
}

export interface ImportReceiptsResult {
  imported: number;
  unchanged: number;
  /** site/month restated to the statement's energy */
  restated: string[];
  checks: Insertable<ReceiptChecksTable>[];
}

const monthsFromTo = (from: string, to: string): string[] => {
  const out: string[] = [];
  for (let m = from; m <= to; m = nextMonth(m)) out.push(m);
  return out;
};

/**
 * Imports receipts and reconciles each, to the fen, against what accrued for
 * its site and month(s). The rules (docs/payments.md):
 *  - a grid statement whose kWh differ from the settled energy restates the
 *    month: the statement's kWh become the grid company's daily reads (spread
 *    over the days like the settled energy) and the month is settled again,
 *    which posts adjustment lines through the settlement's own path;
 *  - what then still differs in amount (a price difference, or any subsidy
 *    difference) is a receipt adjustment, split over the parties by what
 *    each accrued of that part, like the revenue (largest remainder, the
 *    company last), payable in the first open month from the receipt's month.
 * A subsidy spanning several months (or, with no site, several sites) is
 * spread over them by what accrued. A receipt imported again with the same
 * figures changes nothing; other figures under the same reference, or a
 * second receipt of a kind for a site-month already received, are refused.
 */
export async function importReceipts(db: Db, files: readonly string[], opts: ImportReceiptsOptions = {}): Promise<ImportReceiptsResult> {
  const sites = (await db.q.selectFrom('sites').select('id').orderBy('id').execute()).map((s) => s.id);
  const receipts = await parseReceipts(files, new Set(sites));
  const problems: string[] = [];
  const fresh: ReceiptInput[] = [];
  let unchanged = 0;
  const covered = new Set((await db.q.selectFrom('receipt_checks').select(['site_id', 'month', 'kind']).execute()).map((c) => `${c.site_id}|${c.month}|${c.kind}`));
  const claimed = new Map<string, string>();
  for (const r of receipts) {
    const before = await db.q.selectFrom('receipts').selectAll().where('id', '=', r.id).executeTakeFirst();
    if (before) {
      const same = before.kind === r.kind && before.site_id === r.site_id && before.period_from === r.period_from && before.period_to === r.period_to && (before.energy_wh === null ? null : Number(before.energy_wh)) === r.energy_wh && Number(before.amount_fen) === r.amount_fen && before.received_on === r.received_on;
      if (same) unchanged++;
      else problems.push(`${r.where}: receipt ${r.id} was imported before with other figures (receipts are append-only: import a correction under its own reference)`);
      continue;
    }
    for (const site of r.site_id ? [r.site_id] : sites) {
      for (const m of monthsFromTo(r.period_from, r.period_to)) {
        const key = `${site}|${m}|${r.kind}`;
        if (r.site_id && covered.has(key)) problems.push(`${r.where}: ${r.kind} for site ${site} in ${m} was received before`);
        const other = claimed.get(key);
        if (other && r.site_id) problems.push(`${r.where}: ${r.kind} for site ${site} in ${m} also in ${other}`);
        claimed.set(key, r.where);
      }
    }
    fresh.push(r);
  }
  if (problems.length > 0) throw new SunshareError('RECEIPTS_INVALID', `nothing imported: ${problems.length} problem(s) in ${files.join(', ')}`, { details: problems });

  // energy differences first: each restatement settles the month again through the settlement's path
  const restated: string[] = [];
  for (const r of fresh) {
    if (r.kind !== 'grid' || r.energy_wh === null) continue;
    const accrual = await siteMonthAccrual(db, r.site_id, r.period_from);
    if (accrual.energy_wh === r.energy_wh) continue;
    await restateMonth(db, r.site_id, r.period_from, accrual, r.energy_wh, opts.now);
    restated.push(`${r.site_id}/${r.period_from}`);
  }

  const checkedAt = new Date().toISOString();
  const checks: Insertable<ReceiptChecksTable>[] = [];
  await db.transaction(async (tx) => {
    const closed = await lastClosedMonth(tx);
    // what each party has had from earlier receipt adjustments, per site: the tie-break that takes turns
    const givenBySite = new Map<string, Map<string, number>>();
    const givenAt = async (site: string): Promise<Map<string, number>> => {
      let given = givenBySite.get(site);
      if (!given) {
        const rows = await tx.q.selectFrom('receipt_adjustments').select(['household_id', (eb) => eb.fn.sum<number>('amount_fen').as('fen')]).where('site_id', '=', site).groupBy('household_id').execute();
        given = new Map(rows.map((row) => [row.household_id, Number(row.fen)]));
        givenBySite.set(site, given);
      }
      return given;
    };
    for (const r of fresh) {
      const adjustments: Insertable<ReceiptAdjustmentsTable>[] = [];
      const parts: { site: string; month: string; accrual: SiteMonthAccrual }[] = [];
      for (const site of r.site_id ? [r.site_id] : sites) {
        for (const month of monthsFromTo(r.period_from, r.period_to)) {
          const key = `${site}|${month}|${r.kind}`;
          if (!r.site_id && covered.has(key)) continue; // a batch skips site-months received on their own
          parts.push({ site, month, accrual: await siteMonthAccrual(tx, site, month) });
        }
      }
      if (parts.length === 0) throw new SunshareError('RECEIPTS_INVALID', `nothing imported: ${r.where}: every site-month of the batch was received before`);
      const part = (a: SiteMonthAccrual) => (r.kind === 'grid' ? a.grid_fen : a.subsidy_fen);
      const received = splitSigned(r.amount_fen, parts.map((p) => part(p.accrual)));
      const payable = openMonth(monthOf(r.received_on) > nextMonth(r.period_to) ? monthOf(r.received_on) : nextMonth(r.period_to), closed);
      for (const [i, p] of parts.entries()) {
        const accrued = part(p.accrual);
        const difference = received[i]! - accrued;
        const wasRestated = restated.includes(`${p.site}/${p.month}`) && r.kind === 'grid';
        checks.push({
          receipt_id: r.id,
          site_id: p.site,
          month: p.month,
          kind: r.kind,
          accrued_wh: p.accrual.energy_wh,
          statement_wh: r.kind === 'grid' ? r.energy_wh : null,
          accrued_fen: accrued,
          received_fen: received[i]!,
          difference_fen: difference,
          rule: wasRestated ? 'energy_restatement' : difference !== 0 ? 'amount_adjustment' : 'match',
          checked_at: checkedAt,
        });
        if (difference === 0) continue;
        const order = partyOrder(p.accrual.parties);
        const weights = order.map((id) => {
          const x = p.accrual.parties.get(id);
          return x ? (r.kind === 'grid' ? x.grid_fen : x.subsidy_fen) : 0;
        });
        const given = await givenAt(p.site);
        splitSigned(difference, weights, order.map((id) => given.get(id) ?? 0)).forEach((fen, j) => {
          if (fen === 0) return;
          given.set(order[j]!, (given.get(order[j]!) ?? 0) + fen);
          adjustments.push({ receipt_id: r.id, site_id: p.site, month: p.month, household_id: order[j]!, amount_fen: fen, payable_month: payable, posted_at: checkedAt });
        });
      }
      await tx.q
        .insertInto('receipts')
        .values({ id: r.id, kind: r.kind, site_id: r.site_id, period_from: r.period_from, period_to: r.period_to, energy_wh: r.energy_wh, amount_fen: r.amount_fen, reference: r.reference, received_on: r.received_on, source: files.join(', '), imported_at: checkedAt })
        .execute();
      await insertRows(tx.q, 'receipt_checks', checks.filter((c) => c.receipt_id === r.id));
      await insertRows(tx.q, 'receipt_adjustments', adjustments);
    }
  });
  return { imported: fresh.length, unchanged, restated, checks };
}


import { createHash } from 'node:crypto';
import type { Db } from '../../common/ledger/index.ts';
import { SunshareError } from '../../common/errors.ts';
import { isMonth } from '../../common/index.ts';
import type { MonthFilter } from '../period/month.ts';

/**
 * What a month's report was made from: every settlement line payable in the
 * month; for each earlier month since January, each party's count and sum of
 * lines payable then (the year to date is made from those); the top-ups and
 * the frozen deductions of closed months; all for the report's site or
 * village. The digest is SHA-256 over those rows in a canonical order (plain
 * code-point order, the same on SQLite and PostgreSQL), so a printed report
 * can be matched to the ledger: `sunshare payout verify`. Lines are
 * append-only, so a new line in an earlier month changes its count even when
 * it adds nothing.
 */
export interface UsedLine { settlement_id: string; allocation_id: string; household_id: string; kind: string; amount_fen: number; payable_month: string; site_id: string }
export interface MonthSum { site_id: string; household_id: string; payable_month: string; lines: number; amount_fen: number }
export interface UsedTopup { site_id: string; household_id: string; year: string; amount_fen: number; payable_month: string }
export interface UsedDeduction { month: string; site_id: string; household_id: string; deduction_fen: number }
export interface LedgerState { lines: UsedLine[]; earlier: MonthSum[]; topups: UsedTopup[]; deductions: UsedDeduction[]; run_id: string }
export interface Provenance { run_id: string; digest: string; rows: number }

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The sites a report covers: its site, or its village's sites, or undefined
 * for all. Queries then select by site id, which the ledger indexes (a village
 * report reads its sites' rows, not the county's).
 */
export async function scopeSites(db: Db, f: { site?: string; village?: string }): Promise<string[] | undefined> {
  if (!f.site && !f.village) return undefined;
  const rows = await db.q
    .selectFrom('sites')
    .select('id')
    .$if(!!f.site, (q) => q.where('id', '=', f.site!))
    .$if(!!f.village, (q) => q.where('village', '=', f.village!))
    .execute();
  return rows.length > 0 ? rows.map((r) => r.id) : [''];
}

export async function loadLedgerState(db: Db, f: MonthFilter): Promise<LedgerState> {
  if (!isMonth(f.month)) throw new SunshareError('PAYOUT_BAD_MONTH', `--month must be YYYY-MM, got "${f.month}"`);
  const janFirst = `${f.month.slice(0, 4)}-01`;
  const sites = await scopeSites(db, f);
  const lines = () =>
    db.q
      .selectFrom('settlement_lines as l')
      .innerJoin('settlements as s', 's.id', 'l.settlement_id')
      .$if(!!sites, (q) => q.where('s.site_id', 'in', sites!));
  const month = await lines()
    .select(['l.settlement_id', 'l.allocation_id', 'l.household_id', 'l.kind', 'l.amount_fen', 'l.payable_month', 's.site_id'])
    .where('l.payable_month', '=', f.month)
    .execute();
  const earlier = await lines()
    .select((eb) => ['s.site_id', 'l.household_id', 'l.payable_month', eb.fn.countAll<number>().as('lines'), eb.fn.sum<number>('l.amount_fen').as('amount_fen')])
    .where('l.payable_month', '>=', janFirst)
    .where('l.payable_month', '<', f.month)
    .groupBy(['s.site_id', 'l.household_id', 'l.payable_month'])
    .execute();
  const newest = await lines()
    .select(['s.run_id', 's.posted_at'])
    .where('l.payable_month', '>=', janFirst)
    .where('l.payable_month', '<=', f.month)
    .orderBy('s.posted_at', 'desc')
    .orderBy('s.run_id', 'desc')
    .limit(1)
    .executeTakeFirst();
  const topups = await db.q
    .selectFrom('topups as t')
    .select(['t.site_id', 't.household_id', 't.year', 't.amount_fen', 't.payable_month'])
    .where('t.payable_month', '>=', janFirst)
    .where('t.payable_month', '<=', f.month)
    .$if(!!sites, (q) => q.where('t.site_id', 'in', sites!))
    .execute();
  const deductions = await db.q
    .selectFrom('payout_statements as p')
    .select(['p.month', 'p.site_id', 'p.household_id', 'p.deduction_fen'])
    .where('p.month', '>=', janFirst)
    .where('p.month', '<=', f.month)
    .$if(!!sites, (q) => q.where('p.site_id', 'in', sites!))
    .execute();
  return {
    lines: month.map((l) => ({ ...l, amount_fen: Number(l.amount_fen) })).sort((a, b) => cmp(a.settlement_id, b.settlement_id) || cmp(a.allocation_id, b.allocation_id)),
    earlier: earlier
      .map((e) => ({ ...e, lines: Number(e.lines), amount_fen: Number(e.amount_fen) }))
      .sort((a, b) => cmp(a.payable_month, b.payable_month) || cmp(a.site_id, b.site_id) || cmp(a.household_id, b.household_id)),
    topups: topups.map((t) => ({ ...t, amount_fen: Number(t.amount_fen) })).sort((a, b) => cmp(a.site_id, b.site_id) || cmp(a.household_id, b.household_id) || cmp(a.year, b.year)),
    deductions: deductions.map((d) => ({ ...d, deduction_fen: Number(d.deduction_fen) })).sort((a, b) => cmp(a.month, b.month) || cmp(a.site_id, b.site_id) || cmp(a.household_id, b.household_id)),
    run_id: newest?.run_id ?? '',
  };
}

/** The newest settlement run among the lines, and the digest of the whole state. */
export function provenanceOf(s: LedgerState): Provenance {
  const h = createHash('sha256');
  for (const l of s.lines) h.update(`line|${l.settlement_id}|${l.allocation_id}|${l.household_id}|${l.kind}|${l.amount_fen}|${l.payable_month}\n`);
  for (const e of s.earlier) h.update(`month|${e.payable_month}|${e.site_id}|${e.household_id}|${e.lines}|${e.amount_fen}\n`);
  for (const t of s.topups) h.update(`topup|${t.site_id}|${t.household_id}|${t.year}|${t.amount_fen}|${t.payable_month}\n`);
  for (const d of s.deductions) h.update(`deduction|${d.month}|${d.site_id}|${d.household_id}|${d.deduction_fen}\n`);
  return { run_id: s.run_id, digest: h.digest('hex'), rows: s.lines.length + s.earlier.length + s.topups.length + s.deductions.length };
}

export function provenanceNote(month: string, p: Provenance, f: { site?: string; village?: string } = {}): string {
  const scope = [f.village ? `村=${f.village}` : '', f.site ? `电站=${f.site}` : ''].filter(Boolean).join(' ');
  return `数据来源：${month}${scope ? ` ${scope}` : ''} 结算批次 ${p.run_id || '（无）'}；账本摘要 SHA-256 ${p.digest}（${p.rows} 行）`;
}

export async function ledgerProvenance(db: Db, f: MonthFilter): Promise<Provenance> {
  return provenanceOf(await loadLedgerState(db, f));
}

/** Recomputes the digest and compares it with one printed on a report; throws REPORT_DIGEST_MISMATCH when they differ. */
export async function verifyDigest(db: Db, f: MonthFilter & { digest: string }): Promise<Provenance> {
  const now = await ledgerProvenance(db, f);
  if (now.digest !== f.digest.trim().toLowerCase()) {
    throw new SunshareError('REPORT_DIGEST_MISMATCH', `the ledger's digest for ${f.month}${f.village ? ` ${f.village}` : ''}${f.site ? ` ${f.site}` : ''} is ${now.digest} (run ${now.run_id || 'none'}, ${now.rows} rows), not the printed ${f.digest}`, {
      details: [`printed: ${f.digest}`, `ledger now: ${now.digest}`],
    });
  }
  return now;
}

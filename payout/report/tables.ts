import { withTotal, type Column, type Table } from '../tables/table.ts';
import { flagLegend, flagsZh } from './flags.ts';
import { provenanceNote } from './provenance.ts';
import type { ReportMonth } from './view.ts';

/**
 * The month's report tables, headings in Chinese for finance staff and
 * village committees. Every table ends with its 合计 row and carries the
 * provenance note; sites are always 电站编号 and 电站名称, side by side.
 */
export const SITE_COLUMNS: Column[] = [
  { key: 'site_id', header: '电站编号' },
  { key: 'site_name', header: '电站名称', width: 22 },
];

/** The basis of every household amount in the notice: said on the notice itself. */
export const NET_BASIS = '金额均为实付金额：已扣除运维费，含保底补足；本月与本年累计口径相同。';

const note = (m: ReportMonth) => provenanceNote(m.month, m.provenance, m.filter);

export function householdTable(m: ReportMonth): Table {
  return withTotal({
    name: '户明细',
    title: `${m.month} 光伏扶贫收益分配明细`,
    columns: [
      { key: 'household_id', header: '户编号' },
      { key: 'name', header: '户主姓名' },
      { key: 'village', header: '村' },
      ...SITE_COLUMNS,
      { key: 'share_w', header: '份额(kW)', kind: 'kw', sum: true },
      { key: 'energy_wh', header: '发电量(kWh)', kind: 'kwh', sum: true },
      { key: 'daily_fen', header: '本月收益(元)', kind: 'yuan', sum: true },
      { key: 'adjustment_fen', header: '调整(元)', kind: 'yuan', sum: true },
      { key: 'deduction_fen', header: '运维扣除(元)', kind: 'yuan', sum: true },
      { key: 'topup_fen', header: '保底补足(元)', kind: 'yuan', sum: true },
      { key: 'net_fen', header: '本月实付(元)', kind: 'yuan', sum: true },
      { key: 'ytd_fen', header: '本年累计实付(元)', kind: 'yuan', sum: true },
      { key: 'earned_fen', header: '本年已结收益(元,未扣运维费)', kind: 'yuan', sum: true },
      { key: 'target_fen', header: '年度目标(元,未扣运维费)', kind: 'yuan', sum: true },
      { key: 'projection_fen', header: '全年预计(元,未扣运维费)', kind: 'yuan', sum: true },
    ],
    rows: m.households.map(({ lines: _lines, ...h }) => ({ ...h })),
    notes: [
      '本月实付 = 本月收益 + 调整 - 运维扣除 + 保底补足；本年累计实付口径相同。',
      '全年预计 = 本年已结收益 + 按该户已结算日的实际份额-天数收益速度 × 年内剩余持有份额-天数（分配已结束的户不再预计）。',
      note(m),
    ],
  });
}

export function siteTable(m: ReportMonth): Table {
  return withTotal({
    name: '电站汇总',
    title: `${m.month} 电站汇总`,
    columns: [
      ...SITE_COLUMNS,
      { key: 'village', header: '村' },
      { key: 'capacity_w', header: '装机容量(kW)', kind: 'kw', sum: true },
      { key: 'energy_wh', header: '发电量(kWh)', kind: 'kwh', sum: true },
      { key: 'revenue_fen', header: '收益合计(元)', kind: 'yuan', sum: true },
      { key: 'households_fen', header: '农户部分(元)', kind: 'yuan', sum: true },
      { key: 'company_fen', header: '公司部分(元)', kind: 'yuan', sum: true },
      { key: 'deduction_fen', header: '运维扣除(元)', kind: 'yuan', sum: true },
      { key: 'topup_fen', header: '保底补足(元)', kind: 'yuan', sum: true },
    ],
    rows: m.sites.map(({ name, ...s }) => ({ ...s, site_name: name })),
    notes: [note(m)],
  });
}

/** The company summary: who gets what, households and company side by side; the 合计 row is each side's net and the revenue. */
export function companyTable(m: ReportMonth): Table {
  const t = m.totals;
  return withTotal({
    name: '公司汇总',
    title: `${m.month} 公司汇总`,
    columns: [
      { key: 'item', header: '项目' },
      { key: 'households_fen', header: '农户(元)', kind: 'yuan', sum: true },
      { key: 'company_fen', header: '公司(元)', kind: 'yuan', sum: true },
      { key: 'total_fen', header: '合计(元)', kind: 'yuan', sum: true },
    ],
    rows: [
      { item: '收益分配', households_fen: t.households_gross_fen, company_fen: t.company_gross_fen, total_fen: t.revenue_fen },
      { item: '运维扣除(转公司)', households_fen: -t.deduction_fen, company_fen: t.deduction_fen, total_fen: 0 },
      { item: '保底补足(公司支付)', households_fen: t.topup_fen, company_fen: -t.topup_fen, total_fen: 0 },
    ],
    notes: ['合计行：农户为农户实付，公司为公司净得，合计为收益合计。', note(m)],
  });
}

/** The village public notice (公示): who holds a share and what it paid. No ID or account numbers. */
export function noticeTable(m: ReportMonth, village?: string): Table {
  return withTotal({
    name: '公示',
    title: `${village ?? ''}光伏扶贫收益公示（${m.month}）`,
    columns: NOTICE_COLUMNS,
    rows: m.households.filter((h) => !village || h.village === village).map(({ lines: _lines, ...h }) => ({ ...h })),
    notes: [NET_BASIS, note(m)],
  });
}

export const NOTICE_COLUMNS: Column[] = [
  { key: 'village', header: '村' },
  { key: 'name', header: '户主姓名' },
  ...SITE_COLUMNS,
  { key: 'share_w', header: '份额(kW)', kind: 'kw', sum: true },
  { key: 'energy_wh', header: '发电量(kWh)', kind: 'kwh', sum: true },
  { key: 'net_fen', header: '本月实付(元)', kind: 'yuan', sum: true },
  { key: 'ytd_fen', header: '本年累计实付(元)', kind: 'yuan', sum: true },
];

const ITEM = { daily: '日收益', adjustment: '更正调整' } as const;

/** Every line behind the month's amounts, per household: the statements. An adjustment shows the day it corrects, before and after. */
export function statementTable(m: ReportMonth, householdId?: string): Table {
  const households = m.households.filter((h) => !householdId || h.household_id === householdId);
  const rows = households.flatMap((h) => {
    const who = { household_id: h.household_id, name: h.name, site_id: h.site_id, site_name: h.site_name };
    return [
      ...h.lines.map((l) => ({
        ...who,
        day: l.day,
        item: ITEM[l.kind],
        ref: l.settlement_id,
        corrects_day: l.correction?.corrects_day ?? null,
        old_energy_wh: l.correction?.old_energy_wh ?? null,
        new_energy_wh: l.correction?.new_energy_wh ?? null,
        old_fen: l.correction?.old_fen ?? null,
        new_fen: l.correction?.new_fen ?? null,
        flags: flagsZh(l.flags),
        energy_wh: l.energy_wh,
        amount_fen: l.amount_fen,
      })),
      ...(h.deduction_fen ? [{ ...who, day: '', item: '运维扣除', ref: '', flags: '', energy_wh: null, amount_fen: -h.deduction_fen }] : []),
      ...(h.topup_fen ? [{ ...who, day: '', item: '保底补足', ref: '', flags: '', energy_wh: null, amount_fen: h.topup_fen }] : []),
    ];
  });
  const one = householdId !== undefined ? households[0] : undefined;
  return withTotal({
    name: '对账单',
    title: one ? `${m.month} 农户收益对账单 ${one.name}（${one.household_id}）` : `${m.month} 农户收益对账单`,
    columns: [
      { key: 'household_id', header: '户编号' },
      { key: 'name', header: '户主姓名' },
      ...SITE_COLUMNS,
      { key: 'day', header: '日期' },
      { key: 'item', header: '项目' },
      { key: 'ref', header: '结算单号' },
      { key: 'corrects_day', header: '更正日期' },
      { key: 'old_energy_wh', header: '原电量(kWh)', kind: 'kwh' },
      { key: 'new_energy_wh', header: '新电量(kWh)', kind: 'kwh' },
      { key: 'old_fen', header: '原金额(元)', kind: 'yuan' },
      { key: 'new_fen', header: '新金额(元)', kind: 'yuan' },
      { key: 'flags', header: '数据标记' },
      { key: 'energy_wh', header: '发电量(kWh)', kind: 'kwh', sum: true },
      { key: 'amount_fen', header: '金额(元)', kind: 'yuan', sum: true },
    ],
    rows,
    notes: [
      '更正调整：对更正日期那天重新结算的差额，金额 = 新金额 - 原金额，发电量 = 新电量 - 原电量。合计金额即本月实付。',
      ...flagLegend(households.flatMap((h) => h.lines.map((l) => l.flags))),
      note(m),
    ],
  });
}

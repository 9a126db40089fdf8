import type { Month } from '../period/month.ts';
import type { Table } from '../tables/table.ts';

/** The month's report tables, headings in Chinese for finance staff and village committees. */
export function householdTable(m: Month): Table {
  return {
    name: '户明细',
    title: `${m.month} 光伏扶贫收益分配明细`,
    columns: [
      { key: 'household_id', header: '户编号' },
      { key: 'name', header: '户主姓名' },
      { key: 'village', header: '村' },
      { key: 'site_id', header: '电站' },
      { key: 'share_w', header: '份额(kW)', kind: 'kw' },
      { key: 'energy_wh', header: '发电量(kWh)', kind: 'kwh' },
      { key: 'daily_fen', header: '本月收益(元)', kind: 'yuan' },
      { key: 'adjustment_fen', header: '调整(元)', kind: 'yuan' },
      { key: 'deduction_fen', header: '运维扣除(元)', kind: 'yuan' },
      { key: 'topup_fen', header: '保底补足(元)', kind: 'yuan' },
      { key: 'net_fen', header: '应付金额(元)', kind: 'yuan' },
      { key: 'ytd_fen', header: '本年累计(元)', kind: 'yuan' },
      { key: 'target_fen', header: '年度目标(元)', kind: 'yuan' },
      { key: 'projection_fen', header: '全年预计(元)', kind: 'yuan' },
    ],
    rows: m.households.map((h) => ({ ...h })),
  };
}

export function siteTable(m: Month): Table {
  return {
    name: '电站汇总',
    title: `${m.month} 电站汇总`,
    columns: [
      { key: 'site_id', header: '电站编号' },
      { key: 'name', header: '电站名称' },
      { key: 'village', header: '村' },
      { key: 'capacity_w', header: '装机容量(kW)', kind: 'kw' },
      { key: 'energy_wh', header: '发电量(kWh)', kind: 'kwh' },
      { key: 'revenue_fen', header: '收益合计(元)', kind: 'yuan' },
      { key: 'households_fen', header: '农户部分(元)', kind: 'yuan' },
      { key: 'company_fen', header: '公司部分(元)', kind: 'yuan' },
      { key: 'deduction_fen', header: '运维扣除(元)', kind: 'yuan' },
      { key: 'topup_fen', header: '保底补足(元)', kind: 'yuan' },
    ],
    rows: m.sites.map((s) => ({ ...s })),
  };
}

export function companyTable(m: Month): Table {
  const t = m.totals;
  const rows = [
    ['收益合计', t.revenue_fen],
    ['农户应得(分配)', t.households_gross_fen],
    ['公司应得(分配)', t.company_gross_fen],
    ['运维扣除(转公司)', t.deduction_fen],
    ['保底补足(公司支付)', t.topup_fen],
    ['农户实付', t.households_net_fen],
    ['公司净得', t.company_net_fen],
  ];
  return {
    name: '公司汇总',
    title: `${m.month} 公司汇总`,
    columns: [
      { key: 'item', header: '项目' },
      { key: 'fen', header: '金额(元)', kind: 'yuan' },
    ],
    rows: rows.map(([item, fen]) => ({ item, fen })),
  };
}

/** The village public notice (公示): who holds a share and what it paid. No ID or account numbers. */
export function noticeTable(m: Month, village?: string): Table {
  return {
    name: '公示',
    title: `${village ?? ''}光伏扶贫收益公示（${m.month}）`,
    columns: [
      { key: 'village', header: '村' },
      { key: 'name', header: '户主姓名' },
      { key: 'site_name', header: '电站' },
      { key: 'share_w', header: '份额(kW)', kind: 'kw' },
      { key: 'energy_wh', header: '发电量(kWh)', kind: 'kwh' },
      { key: 'net_fen', header: '收益(元)', kind: 'yuan' },
      { key: 'ytd_fen', header: '本年累计(元)', kind: 'yuan' },
    ],
    rows: m.households.filter((h) => !village || h.village === village).map((h) => ({ ...h })),
  };
}

/** Every line behind the month's amounts, per household: the statements. */
export function statementTable(m: Month, householdId?: string): Table {
  const rows = m.households
    .filter((h) => !householdId || h.household_id === householdId)
    .flatMap((h) => [
      ...h.lines.map((l) => ({ household_id: h.household_id, name: h.name, site_id: l.site_id, day: l.day, item: l.kind === 'daily' ? '日收益' : '调整', ref: l.corrects_id ?? l.settlement_id, flags: l.flags, energy_wh: l.energy_wh, amount_fen: l.amount_fen })),
      ...(h.deduction_fen ? [{ household_id: h.household_id, name: h.name, site_id: h.site_id, day: '', item: '运维扣除', ref: '', flags: '', energy_wh: null, amount_fen: -h.deduction_fen }] : []),
      ...(h.topup_fen ? [{ household_id: h.household_id, name: h.name, site_id: h.site_id, day: '', item: '保底补足', ref: '', flags: '', energy_wh: null, amount_fen: h.topup_fen }] : []),
      { household_id: h.household_id, name: h.name, site_id: h.site_id, day: '', item: '应付合计', ref: '', flags: '', energy_wh: h.energy_wh, amount_fen: h.net_fen },
    ]);
  return {
    name: '对账单',
    title: `${m.month} 农户收益对账单`,
    columns: [
      { key: 'household_id', header: '户编号' },
      { key: 'name', header: '户主姓名' },
      { key: 'site_id', header: '电站' },
      { key: 'day', header: '日期' },
      { key: 'item', header: '项目' },
      { key: 'ref', header: '结算/更正单号' },
      { key: 'flags', header: '数据标记' },
      { key: 'energy_wh', header: '发电量(kWh)', kind: 'kwh' },
      { key: 'amount_fen', header: '金额(元)', kind: 'yuan' },
    ],
    rows,
  };
}

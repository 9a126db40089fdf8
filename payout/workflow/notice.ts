import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from '../../common/ledger/index.ts';
import { loadMonth } from '../period/month.ts';
import { tablesToXlsx, withTotal, type Table } from '../tables/table.ts';
import { tableToPdf } from '../tables/pdf.ts';

/** The printable 公示 notice: each household's (and collective's) amount for the month, with the posting period. */
export async function noticeTable(db: Db, month: string, postedOn: string, endsOn: string): Promise<Table> {
  const m = await loadMonth(db, { month });
  const collectives = new Set((await db.q.selectFrom('collectives').select('household_id').execute()).map((c) => c.household_id));
  return withTotal({
    name: '公示',
    title: `${month} 光伏收益分配公示 (公示期 ${postedOn} 至 ${endsOn})`,
    columns: [
      { key: 'village', header: '村' },
      { key: 'name', header: '户主姓名 / 村集体' },
      { key: 'kind', header: '类别' },
      { key: 'site', header: '电站' },
      { key: 'net', header: '应付金额(元)', kind: 'yuan', sum: true },
    ],
    rows: m.households.map((h) => ({ village: h.village, name: h.name, kind: collectives.has(h.household_id) ? '村集体' : '农户', site: h.site_name, net: h.net_fen })),
  });
}

/** Writes the notice as XLSX (to edit or print) and as a printable PDF; returns both paths. */
export async function writeNotice(db: Db, month: string, postedOn: string, endsOn: string, dir: string): Promise<{ xlsx: string; pdf: string }> {
  const table = await noticeTable(db, month, postedOn, endsOn);
  const xlsx = join(dir, `notice-${month}.xlsx`);
  writeFileSync(xlsx, await tablesToXlsx([table]));
  const pdf = join(dir, `notice-${month}.pdf`);
  // the report's A4 printer: font embedded, page x of y, 本页小计 and 合计
  writeFileSync(pdf, await tableToPdf(table, { subtitle: `${month}  公示期 ${postedOn} 至 ${endsOn}`, footer: ['公示期内如有异议，请向村委会或镇政府反映。'], numbered: true }));
  return { xlsx, pdf };
}

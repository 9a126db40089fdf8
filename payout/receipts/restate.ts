import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Db } from '../../common/ledger/index.ts';
import { SunshareError } from '../../common/errors.ts';
import { monthDays } from '../../common/index.ts';
import { formatKwh } from '../money/revenue.ts';
import { importMeterReads } from '../registry/meter-reads.ts';
import { runSettlement } from '../settle/run.ts';
import type { SiteMonthAccrual } from './accrued.ts';
import { splitSigned } from './split.ts';

/**
 * A grid statement's kWh differ from what was settled: the statement's
 * energy becomes the grid company's daily reads for the month, spread over
 * the settled days in proportion to their energy (evenly if none), and the
 * month is settled again. The settlement posts the difference as adjustment
 * lines, paid in the next open month: the existing adjustment path.
 */
export async function restateMonth(db: Db, siteId: string, month: string, accrual: SiteMonthAccrual, statementWh: number, now?: Date): Promise<void> {
  const days = [...accrual.days.keys()].sort();
  if (days.length === 0) throw new SunshareError('RECEIPTS_INVALID', `nothing imported: site ${siteId} has no settled day in ${month} to restate to the statement's ${formatKwh(statementWh)} kWh; settle the month first`);
  const weights = days.map((d) => accrual.days.get(d)!);
  const spread = splitSigned(statementWh, weights.some((w) => w > 0) ? weights : weights.map(() => 1));
  const dir = mkdtempSync(join(tmpdir(), 'sunshare-restate-'));
  const file = join(dir, `restatement-${siteId}-${month}.csv`);
  try {
    writeFileSync(file, ['site,date,export_kwh', ...days.map((d, i) => `${siteId},${d},${formatKwh(spread[i]!)}`)].join('\n'));
    await importMeterReads(db, file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const { first, last } = monthDays(month);
  await runSettlement(db, { from: first, to: last, sites: [siteId], now });
}

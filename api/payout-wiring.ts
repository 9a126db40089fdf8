import type { Db } from '../common/ledger/index.ts';
import type { Logger } from '../common/log.ts';
import { runSettlement } from '../payout/index.ts';
import { createPayoutService, type PayoutService } from './payout-service.ts';
import { payoutReports } from './reports.ts';

/** The payout service over payout's own settlement code and report builders, on the given ledger. */
export async function payoutServiceFor(db: Db, log: Logger): Promise<PayoutService> {
  return createPayoutService(db, (d, o) => runSettlement(d, o), payoutReports(), log);
}

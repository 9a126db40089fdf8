import type { Db } from '../common/ledger/index.js';
import type { Logger } from '../common/log.js';
import { runSettlement } from '../payout/settle/run.js';
import { createPayoutService, type PayoutService } from './payout-service.js';
import { payoutReports } from './reports.js';

/** The payout service over payout's own settlement code and report builders, on the given ledger. */
export async function payoutServiceFor(db: Db, log: Logger): Promise<PayoutService> {
  return createPayoutService(db, (d, o) => runSettlement(d, o), payoutReports(), log);
}

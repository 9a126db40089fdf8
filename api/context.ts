import type { Db } from '../common/ledger/index.ts';
import type { Logger } from '../common/log.ts';
import type { LiveStatusStore } from './live/store.ts';
import type { ApiMetrics } from './metrics.ts';
import type { PayoutService } from './payout-service.ts';

/** What every route module gets: the ledger, the live view, metrics and the payout service. */
export interface ApiContext {
  db: Db;
  live: LiveStatusStore;
  metrics: ApiMetrics;
  log: Logger;
  payout?: PayoutService;
  /** kWh per kWp per year used for "expected energy today" (Northern Guangdong: 950-1,100). */
  expectedYieldKwhPerKwp: number;
}

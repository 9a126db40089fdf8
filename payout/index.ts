/** Payout's public entry: registry, settlement, scheduler, periods and reports. */
export { importRegistry, type ImportCounts } from './registry/import.js';
export { exportRegistry, registryTables, type ExportOptions } from './registry/export.js';
export { importMeterReads } from './registry/meter-reads.js';
export { maskBankAccount, maskIdCard } from './registry/mask.js';
export { listHouseholds, listSites, listAllocations, type HouseholdView, type SiteView, type AllocationView } from './registry/queries.js';
export { runSettlement, type RunOptions, type RunResult } from './settle/run.js';
export { acquireLock, SETTLEMENT_LOCK } from './settle/lock.js';
export { startScheduler, type Scheduler, type SchedulerOptions } from './scheduler.js';
export { loadMonth, type Month, type HouseholdMonth, type SiteMonth, type MonthTotals } from './period/month.js';
export { computeTopups, postTopups, type Topup } from './period/topup.js';
export { closeMonth, lastClosedMonth } from './period/close.js';
export { reconcileReads, type ReadCheck } from './report/reconcile.js';
export { buildReconciliation, buildReport, buildStatement, type ReportFormat, type ReportOptions } from './report/build.js';
export { splitLargestRemainder } from './money/split.js';
export { siteDayRevenue, formatYuan, formatKwh } from './money/revenue.js';

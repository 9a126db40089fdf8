/** Payout's public entry: registry, settlement, scheduler, periods and reports. */
export { importRegistry, type ImportCounts } from './registry/import.ts';
export { exportRegistry, registryTables, type ExportOptions } from './registry/export.ts';
export { importMeterReads } from './registry/meter-reads.ts';
export { createDevice, createSite, insertRegistry, updateSite, maxAllocatedW, type NewDevice, type NewSite, type RegistryRows, type SiteChange } from './registry/write.ts';
export { maskBankAccount, maskIdCard } from './registry/mask.ts';
export { listHouseholds, listSites, listAllocations, type HouseholdView, type SiteView, type AllocationView } from './registry/queries.ts';
export { runSettlement, type RunOptions, type RunResult } from './settle/run.ts';
export { acquireLock, SETTLEMENT_LOCK } from './settle/lock.ts';
export { startScheduler, type Scheduler, type SchedulerOptions } from './scheduler.ts';
export { loadMonth, type Month, type HouseholdMonth, type SiteMonth, type MonthTotals } from './period/month.ts';
export { computeTopups, postTopups, type Topup } from './period/topup.ts';
export { closeMonth, lastClosedMonth } from './period/close.ts';
export { reconcileReads, type ReadCheck } from './report/reconcile.ts';
export { buildReconciliation, buildReport, buildStatement, type ReportFormat, type ReportOptions } from './report/build.ts';
export { splitLargestRemainder } from './money/split.ts';
export { siteDayRevenue, formatYuan, formatKwh } from './money/revenue.ts';

/** The dashboards' test helpers for other folders' tests (the deploy stack test): macros, panel targets, data. */
export * from './macros.ts';
export * from './targets.ts';
export * from './ledger-data.ts';
export * from './simulated-day.ts';
export * from './fleet-load.ts';

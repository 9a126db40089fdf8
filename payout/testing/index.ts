/** Payout's test helpers for other folders' tests, benches and the soak. */
export * from './fixture.ts';
export { seedRegistry, type SeedSite, type SeedDevice, type SeedOptions } from '../registry/seed.ts';
export { seedSites as seedPaymentSites, putMonthEnergy, runMonth, PREPARER, APPROVER } from '../payments/testing/scene.ts';

/** Payout's test helpers for other folders' tests, benches and the soak. */
export * from './fixture.ts';
export { seedRegistry, type SeedSite, type SeedDevice, type SeedOptions } from '../registry/seed.ts';

/** Payout's test helpers for other folders' tests, benches and the soak. */
export * from './fixture.ts';

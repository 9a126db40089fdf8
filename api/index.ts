/** The HTTP API and status page: build the app (tests), or start the service (CLI, demo). */
export { buildApp, type BuildAppOptions } from './app.ts';
export { startApi, type RunningApi } from './server.ts';
export { ApiConfig } from './config.ts';
export { LiveStatusStore, type SiteLive } from './live/store.ts';
export { startLiveFeed } from './live/feed.ts';
export { createToken, revokeToken, revokeTokensNamed, verifyToken } from './auth/tokens.ts';
export { ROLES, type Role } from './auth/roles.ts';
export { createPayoutService, type PayoutService, type ReportKind, type SettleFn } from './payout-service.ts';
export { payoutServiceFor } from './payout-wiring.ts';

/** The HTTP API and status page: build the app (tests), or start the service (CLI, demo). */
export { buildApp, type BuildAppOptions } from './app.js';
export { startApi, type RunningApi } from './server.js';
export { ApiConfig } from './config.js';
export { LiveStatusStore, type SiteLive } from './live/store.js';
export { startLiveFeed } from './live/feed.js';
export { createToken, revokeToken, verifyToken } from './auth/tokens.js';
export { ROLES, type Role } from './auth/roles.js';
export { createPayoutService, type PayoutService, type ReportKind, type SettleFn } from './payout-service.js';

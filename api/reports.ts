import type { ReportKind } from './payout-service.js';

/**
 * The payout reports the API offers. Payout builds them; this adapts its
 * builders to the API's download route. Empty until payout exports report
 * builders (see the report in docs/api.md).
 */
export async function payoutReports(): Promise<ReportKind[]> {
  return [];
}

import type { Db } from '../../common/ledger/index.ts';
import { SunshareError } from '../../common/errors.ts';

export type PayoutPolicy = 'accrual' | 'receipt';
export interface SitePolicy { policy: PayoutPolicy; payer_account: string }

/** A site without a policy row: paid on accrual from the one default payer account. */
export const DEFAULT_POLICY: SitePolicy = { policy: 'accrual', payer_account: 'default' };

/** The policy in force per site (the latest row); sites without one are absent (DEFAULT_POLICY). */
export async function sitePolicies(db: Db): Promise<Map<string, SitePolicy>> {
  const rows = await db.q.selectFrom('site_payout_policies').select(['site_id', 'seq', 'policy', 'payer_account']).orderBy('site_id').orderBy('seq').execute();
  const out = new Map<string, SitePolicy>();
  for (const r of rows) out.set(r.site_id, { policy: r.policy === 'receipt' ? 'receipt' : 'accrual', payer_account: r.payer_account });
  return out;
}

export const policyOf = (policies: Map<string, SitePolicy>, site: string): SitePolicy => policies.get(site) ?? DEFAULT_POLICY;

/**
 * Sets a site's payout policy (a new row; the history stays). The payer
 * account is fixed once any beneficiary was paid from it: what was paid is
 * counted per payer account, so moving a site would pay its people twice.
 */
export async function setSitePolicy(db: Db, siteId: string, policy: string, payerAccount: string, by: string, now = new Date()): Promise<SitePolicy> {
  if (policy !== 'accrual' && policy !== 'receipt') throw new SunshareError('PAYOUT_POLICY_INVALID', `policy must be accrual or receipt, got "${policy}"`);
  if (!/^[\p{L}\p{N} _.:@-]{1,64}$/u.test(payerAccount)) throw new SunshareError('PAYOUT_POLICY_INVALID', `payer account "${payerAccount}" must be 1-64 letters, digits, spaces or _.:@-`);
  return db.transaction(async (tx) => {
    const site = await tx.q.selectFrom('sites').select('id').where('id', '=', siteId).executeTakeFirst();
    if (!site) throw new SunshareError('SITE_NOT_FOUND', `no site "${siteId}"`);
    const current = policyOf(await sitePolicies(tx), siteId);
    if (current.payer_account !== payerAccount) {
      const paid = await tx.q.selectFrom('payment_items').select('id').where('payer_account', '=', current.payer_account).limit(1).executeTakeFirst();
      if (paid) throw new SunshareError('PAYOUT_POLICY_INVALID', `site ${siteId} is paid from "${current.payer_account}", which has payments: its payer account cannot change`);
    }
    const last = await tx.q.selectFrom('site_payout_policies').select((eb) => eb.fn.max('seq').as('seq')).where('site_id', '=', siteId).executeTakeFirst();
    await tx.q.insertInto('site_payout_policies').values({ site_id: siteId, seq: Number(last?.seq ?? 0) + 1, policy, payer_account: payerAccount, set_at: now.toISOString(), set_by: by }).execute();
    return { policy, payer_account: payerAccount };
  });
}

/** Marks a registry household as a village collective (村集体): same split, its own account, reported apart. */
export async function registerCollective(db: Db, householdId: string, village: string, now = new Date()): Promise<void> {
  const h = await db.q.selectFrom('households').select('id').where('id', '=', householdId).executeTakeFirst();
  if (!h) throw new SunshareError('PAYOUT_POLICY_INVALID', `no household "${householdId}" in the registry: register the collective as a household (its name and account) first`);
  await db.q.insertInto('collectives').values({ household_id: householdId, village, registered_at: now.toISOString() }).onConflict((oc) => oc.column('household_id').doNothing()).execute();
}

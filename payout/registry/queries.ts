import type { Db } from '../../common/ledger/index.ts';
import { maskBankAccount, maskIdCard } from './mask.ts';

/** Registry reads for the API and CLI; personal data always masked. */
export interface SiteView { id: string; name: string; town: string; village: string; capacity_w: number; time_zone: string; commissioned_on: string | null; allocated_w: number; households: number }
export interface HouseholdView { id: string; name: string; town: string; village: string; id_card: string; bank_account: string }
export interface AllocationView { id: string; household_id: string; site_id: string; share_w: number; valid_from: string; valid_to: string | null; reason: string }

/** Sites with what is allocated on `day` (default: every open-ended or current allocation by today's date). */
export async function listSites(db: Db, day = new Date().toISOString().slice(0, 10)): Promise<SiteView[]> {
  const columns = ['s.id', 's.name', 's.town', 's.village', 's.capacity_w', 's.time_zone', 's.commissioned_on'] as const;
  return db.q
    .selectFrom('sites as s')
    .leftJoin('allocations as a', (j) =>
      j
        .onRef('a.site_id', '=', 's.id')
        .on('a.valid_from', '<=', day)
        .on((eb) => eb.or([eb('a.valid_to', 'is', null), eb('a.valid_to', '>=', day)])),
    )
    .select(columns)
    .select((eb) => [eb.fn.coalesce(eb.fn.sum<number>('a.share_w'), eb.lit(0)).as('allocated_w'), eb.fn.count<number>('a.id').as('households')])
    .groupBy(columns)
    .orderBy('s.id')
    .execute();
}

export async function listHouseholds(db: Db, filter: { village?: string } = {}): Promise<HouseholdView[]> {
  const rows = await db.q
    .selectFrom('households')
    .select(['id', 'name', 'town', 'village', 'id_card', 'bank_account'])
    .$if(!!filter.village, (q) => q.where('village', '=', filter.village!))
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ ...r, id_card: maskIdCard(r.id_card), bank_account: maskBankAccount(r.bank_account) }));
}

export async function listAllocations(db: Db, filter: { site?: string; household?: string } = {}): Promise<AllocationView[]> {
  return db.q
    .selectFrom('allocations')
    .select(['id', 'household_id', 'site_id', 'share_w', 'valid_from', 'valid_to', 'reason'])
    .$if(!!filter.site, (q) => q.where('site_id', '=', filter.site!))
    .$if(!!filter.household, (q) => q.where('household_id', '=', filter.household!))
    .orderBy('site_id').orderBy('valid_from').orderBy('id')
    .execute();
}

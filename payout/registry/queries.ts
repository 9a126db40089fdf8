import type { Db } from '../../common/ledger/index.ts';
import { maskBankAccount, maskIdCard } from './mask.ts';

/** Registry reads for the API and CLI; personal data always masked. */
export interface SiteView { id: string; name: string; town: string; village: string; capacity_w: number; time_zone: string; commissioned_on: string | null; allocated_w: number; households: number }
export interface HouseholdView { id: string; name: string; town: string; village: string; id_card: string; bank_account: string }
export interface AllocationView { id: string; household_id: string; site_id: string; share_w: number; valid_from: string; valid_to: string | null; reason: string }

/** Sites with what is allocated on `day` (default: every open-ended or current allocation by today's date). */
export async function listSites(db: Db, day = new Date().toISOString().slice(0, 10)): Promise<SiteView[]> {
  return db.all<SiteView>(
    `SELECT s.id, s.name, s.town, s.village, s.capacity_w, s.time_zone, s.commissioned_on,
            COALESCE(SUM(a.share_w), 0) AS allocated_w, COUNT(a.id) AS households
     FROM sites s LEFT JOIN allocations a ON a.site_id = s.id AND a.valid_from <= ? AND (a.valid_to IS NULL OR a.valid_to >= ?)
     GROUP BY s.id, s.name, s.town, s.village, s.capacity_w, s.time_zone, s.commissioned_on ORDER BY s.id`,
    [day, day],
  );
}

export async function listHouseholds(db: Db, filter: { village?: string } = {}): Promise<HouseholdView[]> {
  const rows = await db.all<HouseholdView>(
    `SELECT id, name, town, village, id_card, bank_account FROM households${filter.village ? ' WHERE village = ?' : ''} ORDER BY id`,
    filter.village ? [filter.village] : [],
  );
  return rows.map((r) => ({ ...r, id_card: maskIdCard(r.id_card), bank_account: maskBankAccount(r.bank_account) }));
}

export async function listAllocations(db: Db, filter: { site?: string; household?: string } = {}): Promise<AllocationView[]> {
  const where: string[] = [];
  const params: string[] = [];
  if (filter.site) {
    where.push('site_id = ?');
    params.push(filter.site);
  }
  if (filter.household) {
    where.push('household_id = ?');
    params.push(filter.household);
  }
  return db.all<AllocationView>(
    `SELECT id, household_id, site_id, share_w, valid_from, valid_to, reason FROM allocations${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY site_id, valid_from, id`,
    params,
  );
}

import type { Db } from '../../common/ledger/index.ts';
import { DEFAULT_TIME_ZONE } from '../../common/index.ts';

/**
 * The one registry seeder, for the demo, tests, benches and the soak: writes
 * sites and their devices, and optionally a tariff per site and `perSite`
 * households per site, each holding `shareW` from `from`. (Registry files go
 * through importRegistry, which checks them; this writes rows as given.)
 * Fields left out take the ledger's defaults.
 */
export interface SeedDevice {
  id: string;
  kind: 'inverter' | 'meter';
  /** the site's revenue (billing) meter */
  revenueMeter?: boolean;
  ratedW?: number;
  profile?: string;
}

export interface SeedSite {
  id: string;
  name: string;
  capacityW: number;
  town?: string;
  village?: string;
  timeZone?: string;
  latitude?: number;
  longitude?: number;
  commissionedOn?: string;
  devices: SeedDevice[];
}

export interface SeedOptions {
  /** one tariff per site, rates in 1/100,000 yuan per kWh */
  tariff?: { from: string; gridRate: number; subsidyRate: number };
  households?: { perSite: number; shareW: number; from: string; reason?: string };
}

const SURNAMES = '赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜盘邓赵';

export async function seedRegistry(db: Db, sites: readonly SeedSite[], o: SeedOptions = {}): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.runMany(
      'INSERT INTO sites (id, name, town, village, capacity_w, time_zone, latitude, longitude, commissioned_on) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      sites.map((s) => [s.id, s.name, s.town ?? '', s.village ?? '', s.capacityW, s.timeZone ?? DEFAULT_TIME_ZONE, s.latitude ?? null, s.longitude ?? null, s.commissionedOn ?? null]),
    );
    await tx.runMany(
      'INSERT INTO devices (site_id, id, kind, revenue_meter, rated_power_w, profile) VALUES (?, ?, ?, ?, ?, ?)',
      sites.flatMap((s) => s.devices.map((d) => [s.id, d.id, d.kind, d.revenueMeter ? 1 : 0, d.ratedW ?? null, d.profile ?? null])),
    );
    const tariff = o.tariff;
    if (tariff) {
      await tx.runMany(
        'INSERT INTO tariffs (site_id, valid_from, grid_rate, subsidy_rate) VALUES (?, ?, ?, ?)',
        sites.map((s) => [s.id, tariff.from, tariff.gridRate, tariff.subsidyRate]),
      );
    }
    const h = o.households;
    if (!h || h.perSite === 0) return;
    const people = sites.flatMap((s, si) =>
      Array.from({ length: h.perSite }, (_, k) => {
        const id = `${s.id}-h${String(k + 1).padStart(2, '0')}`;
        const name = `${SURNAMES[(si * 7 + k) % SURNAMES.length]}${'德明华秀英建国春兰'[(k * 3) % 9]}${'福安平红军梅'[(k + si) % 6]}`;
        const idCard = `440232${1950 + ((k * 7) % 50)}0${1 + (k % 9)}${String(10 + k).slice(-2)}${String(1000 + si * 100 + k).slice(-4)}`;
        const account = `62220202${String(100000000 + si * 1000 + k * 37).padStart(11, '0')}`;
        return { id, name, town: s.town ?? '', village: s.village ?? '', idCard, account, site: s.id };
      }),
    );
    await tx.runMany(
      'INSERT INTO households (id, name, town, village, id_card, bank_account) VALUES (?, ?, ?, ?, ?, ?)',
      people.map((p) => [p.id, p.name, p.town, p.village, p.idCard, p.account]),
    );
    await tx.runMany(
      'INSERT INTO allocations (id, household_id, site_id, share_w, valid_from, reason) VALUES (?, ?, ?, ?, ?, ?)',
      people.map((p) => [`alloc-${p.id}`, p.id, p.site, h.shareW, h.from, h.reason ?? '']),
    );
  });
}

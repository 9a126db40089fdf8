import type { Db } from '../../common/ledger/index.ts';
import { insertRegistry, siteRow, type SiteInput } from './write.ts';

/**
 * The one registry seeder, for the demo, tests, benches and the soak: writes
 * sites and their devices, and optionally a tariff per site and `perSite`
 * households per site, each holding `shareW` from `from`, through the
 * registry's own checked writer. Fields left out take the ledger's defaults.
 */
export interface SeedDevice {
  id: string;
  kind: 'inverter' | 'meter';
  /** the site's revenue (billing) meter */
  revenueMeter?: boolean;
  ratedW?: number;
  profile?: string;
}

export interface SeedSite extends SiteInput {
  devices: SeedDevice[];
}

export interface SeedOptions {
  /** one tariff per site, rates in 1/100,000 yuan per kWh */
  tariff?: { from: string; gridRate: number; subsidyRate: number };
  households?: { perSite: number; shareW: number; from: string; reason?: string };
}

const SURNAMES = '赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜盘邓赵';

/** Builds the rows and writes them through insertRegistry, so seeded rows pass the importer's checks too. */
export async function seedRegistry(db: Db, sites: readonly SeedSite[], o: SeedOptions = {}): Promise<void> {
  const h = o.households;
  const people = !h
    ? []
    : sites.flatMap((s, si) =>
        Array.from({ length: h.perSite }, (_, k) => {
          const id = `${s.id}-h${String(k + 1).padStart(2, '0')}`;
          const name = `${SURNAMES[(si * 7 + k) % SURNAMES.length]}${'德明华秀英建国春兰'[(k * 3) % 9]}${'福安平红军梅'[(k + si) % 6]}`;
          const idCard = `440232${1950 + ((k * 7) % 50)}0${1 + (k % 9)}${String(10 + k).slice(-2)}${String(1000 + si * 100 + k).slice(-4)}`;
          const account = `62220202${String(100000000 + si * 1000 + k * 37).padStart(11, '0')}`;
          return { id, name, town: s.town ?? '', village: s.village ?? '', id_card: idCard, bank_account: account, site: s.id };
        }),
      );
  const tariff = o.tariff;
  await insertRegistry(db, {
    sites: sites.map(siteRow),
    devices: sites.flatMap((s) =>
      s.devices.map((d) => ({ site_id: s.id, id: d.id, kind: d.kind, revenue_meter: d.revenueMeter ? 1 : 0, rated_power_w: d.ratedW ?? null, profile: d.profile ?? null })),
    ),
    tariffs: tariff ? sites.map((s) => ({ site_id: s.id, valid_from: tariff.from, grid_rate: tariff.gridRate, subsidy_rate: tariff.subsidyRate })) : [],
    households: people.map(({ site: _site, ...p }) => p),
    allocations: h ? people.map((p) => ({ id: `alloc-${p.id}`, household_id: p.id, site_id: p.site, share_w: h.shareW, valid_from: h.from, reason: h.reason ?? '' })) : [],
  });
}

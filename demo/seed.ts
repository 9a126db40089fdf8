import type { Db } from '../common/ledger/index.ts';
import { DEFAULT_TIME_ZONE } from '../common/index.ts';

/**
 * The demo registry: `sites` sites in Ruyuan's towns, each with its inverters
 * and a revenue meter, `households` households holding 3 kW each from the
 * start date, and the 2016 class III feed-in tariff (¥0.98/kWh: ¥0.4530
 * coal benchmark paid by the grid, the rest subsidy).
 */
export interface DemoSite {
  id: string;
  name: string;
  town: string;
  inverters: { id: string; ratedW: number }[];
  meter: string;
}

const TOWNS = ['乳城镇', '桂头镇', '大桥镇', '必背镇', '大布镇', '东坪镇', '游溪镇', '洛阳镇', '一六镇'];
const SURNAMES = '赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜盘邓赵';

export function demoSites(sites: number, siteKw: number, inverterKw: number): DemoSite[] {
  const perSite = Math.max(1, Math.round(siteKw / inverterKw));
  return Array.from({ length: sites }, (_, i) => {
    const n = String(i + 1).padStart(2, '0');
    return {
      id: `ry-${n}`,
      name: `${TOWNS[i % TOWNS.length]}${Math.floor(i / TOWNS.length) + 1}号光伏电站`,
      town: TOWNS[i % TOWNS.length]!,
      inverters: Array.from({ length: perSite }, (_, k) => ({ id: `inv${k + 1}`, ratedW: Math.round((siteKw * 1000) / perSite) })),
      meter: 'meter',
    };
  });
}

export async function seedRegistry(db: Db, sites: DemoSite[], siteKw: number, households: number, from: string): Promise<void> {
  const existing = await db.get<{ n: number }>('SELECT COUNT(*) AS n FROM sites');
  if ((existing?.n ?? 0) > 0) return;
  await db.transaction(async (tx) => {
    await tx.runMany(
      'INSERT INTO sites (id, name, town, village, capacity_w, time_zone, latitude, longitude, commissioned_on) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      sites.map((s, i) => [s.id, s.name, s.town, `${s.town.slice(0, 2)}村`, siteKw * 1000, DEFAULT_TIME_ZONE, 24.78 + i * 0.01, 113.28 + i * 0.01, from]),
    );
    await tx.runMany(
      'INSERT INTO devices (site_id, id, kind, revenue_meter, rated_power_w, profile) VALUES (?, ?, ?, ?, ?, ?)',
      sites.flatMap((s) => [...s.inverters.map((inv) => [s.id, inv.id, 'inverter', 0, inv.ratedW, 'sunspec']), [s.id, s.meter, 'meter', 1, null, 'sunspec']]),
    );
    await tx.runMany(
      'INSERT INTO tariffs (site_id, valid_from, grid_rate, subsidy_rate) VALUES (?, ?, ?, ?)',
      sites.map((s) => [s.id, '2016-01-01', 45_300, 52_700]),
    );
    const people = sites.flatMap((s, si) =>
      Array.from({ length: households }, (_, h) => {
        const id = `${s.id}-h${String(h + 1).padStart(2, '0')}`;
        const name = `${SURNAMES[(si * 7 + h) % SURNAMES.length]}${'德明华秀英建国春兰'[(h * 3) % 9]}${'福安平红军梅'[(h + si) % 6]}`;
        const idCard = `440232${1950 + ((h * 7) % 50)}0${1 + (h % 9)}${String(10 + h).slice(-2)}${String(1000 + si * 100 + h).slice(-4)}`;
        const account = `62220202${String(100000000 + si * 1000 + h * 37).padStart(11, '0')}`;
        return { id, name, town: s.town, village: `${s.town.slice(0, 2)}村`, idCard, account, site: s.id };
      }),
    );
    await tx.runMany(
      'INSERT INTO households (id, name, town, village, id_card, bank_account) VALUES (?, ?, ?, ?, ?, ?)',
      people.map((p) => [p.id, p.name, p.town, p.village, p.idCard, p.account]),
    );
    await tx.runMany(
      'INSERT INTO allocations (id, household_id, site_id, share_w, valid_from, reason) VALUES (?, ?, ?, ?, ?, ?)',
      people.map((p) => [`alloc-${p.id}`, p.id, p.site, 3000, from, '首批建档立卡贫困户']),
    );
  });
}

import type { Db } from '../common/ledger/index.ts';
import { insertRegistry } from '../payout/index.ts';

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
  const existing = await db.q.selectFrom('sites').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
  if (Number(existing?.n ?? 0) > 0) return;
  const people = sites.flatMap((s, si) =>
    Array.from({ length: households }, (_, h) => {
      const id = `${s.id}-h${String(h + 1).padStart(2, '0')}`;
      const name = `${SURNAMES[(si * 7 + h) % SURNAMES.length]}${'德明华秀英建国春兰'[(h * 3) % 9]}${'福安平红军梅'[(h + si) % 6]}`;
      const idCard = `440232${1950 + ((h * 7) % 50)}0${1 + (h % 9)}${String(10 + h).slice(-2)}${String(1000 + si * 100 + h).slice(-4)}`;
      const account = `62220202${String(100000000 + si * 1000 + h * 37).padStart(11, '0')}`;
      return { id, name, town: s.town, village: `${s.town.slice(0, 2)}村`, idCard, account, site: s.id };
    }),
  );
  // payout/registry owns these tables: it checks the rows and writes them in one transaction
  await insertRegistry(db, {
    sites: sites.map((s, i) => ({
      id: s.id,
      name: s.name,
      town: s.town,
      village: `${s.town.slice(0, 2)}村`,
      capacity_w: siteKw * 1000,
      time_zone: 'Asia/Shanghai',
      latitude: 24.78 + i * 0.01,
      longitude: 113.28 + i * 0.01,
      commissioned_on: from,
    })),
    devices: sites.flatMap((s) => [
      ...s.inverters.map((inv) => ({ site_id: s.id, id: inv.id, kind: 'inverter', revenue_meter: 0, rated_power_w: inv.ratedW, profile: 'sunspec' })),
      { site_id: s.id, id: s.meter, kind: 'meter', revenue_meter: 1, rated_power_w: null, profile: 'sunspec' },
    ]),
    tariffs: sites.map((s) => ({ site_id: s.id, valid_from: '2016-01-01', grid_rate: 45_300, subsidy_rate: 52_700 })),
    households: people.map((p) => ({ id: p.id, name: p.name, town: p.town, village: p.village, id_card: p.idCard, bank_account: p.account })),
    allocations: people.map((p) => ({ id: `alloc-${p.id}`, household_id: p.id, site_id: p.site, share_w: 3000, valid_from: from, reason: '首批建档立卡贫困户' })),
  });
}

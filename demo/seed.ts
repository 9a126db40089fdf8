import type { Db } from '../common/ledger/index.ts';
import { seedRegistry } from '../payout/index.ts';

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

/** Seeds the demo registry into an empty ledger (a ledger that has sites is left as it is). */
export async function seedDemoRegistry(db: Db, sites: DemoSite[], siteKw: number, households: number, from: string): Promise<void> {
  const existing = await db.q.selectFrom('sites').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
  if (Number(existing?.n ?? 0) > 0) return;
  await seedRegistry(
    db,
    sites.map((s, i) => ({
      id: s.id,
      name: s.name,
      town: s.town,
      village: `${s.town.slice(0, 2)}村`,
      capacityW: siteKw * 1000,
      latitude: 24.78 + i * 0.01,
      longitude: 113.28 + i * 0.01,
      commissionedOn: from,
      devices: [...s.inverters.map((inv) => ({ id: inv.id, kind: 'inverter' as const, ratedW: inv.ratedW, profile: 'sunspec' })), { id: s.meter, kind: 'meter' as const, revenueMeter: true, profile: 'sunspec' }],
    })),
    { tariff: { from: '2016-01-01', gridRate: 45_300, subsidyRate: 52_700 }, households: { perSite: households, shareW: 3000, from, reason: '首批建档立卡贫困户' } },
  );
}

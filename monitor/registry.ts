import type { Db } from '../common/ledger/index.ts';

export interface SiteInfo {
  id: string;
  name: string;
  capacityW: number;
  latitude: number | null;
  longitude: number | null;
  timeZone: string;
}

export interface DeviceInfo {
  site: string;
  id: string;
  kind: 'inverter' | 'meter';
  ratedW: number | null;
  revenueMeter: boolean;
}

export interface Registry {
  sites: Map<string, SiteInfo>;
  /** By `${site}/${device}`. */
  devices: Map<string, DeviceInfo>;
}

export const deviceKey = (site: string, device: string): string => `${site}/${device}`;

/** The sites and devices the monitor watches, read from the ledger's registry. */
export async function loadRegistry(db: Db): Promise<Registry> {
  const sites = await db.q.selectFrom('sites').select(['id', 'name', 'capacity_w', 'latitude', 'longitude', 'time_zone']).execute();
  const devices = await db.q.selectFrom('devices').select(['site_id', 'id', 'kind', 'rated_power_w', 'revenue_meter']).execute();
  return {
    sites: new Map(sites.map((s) => [s.id, { id: s.id, name: s.name, capacityW: Number(s.capacity_w), latitude: s.latitude, longitude: s.longitude, timeZone: s.time_zone }])),
    devices: new Map(
      devices.map((d) => [
        deviceKey(d.site_id, d.id),
        { site: d.site_id, id: d.id, kind: d.kind === 'meter' ? 'meter' : 'inverter', ratedW: d.rated_power_w === null ? null : Number(d.rated_power_w), revenueMeter: d.revenue_meter === 1 },
      ]),
    ),
  };
}

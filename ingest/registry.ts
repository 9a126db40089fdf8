import type { Db } from '../common/ledger/index.ts';
import { DEFAULT_TIME_ZONE } from '../common/index.ts';

export interface KnownDevice {
  kind: 'inverter' | 'meter';
}

/**
 * The sites and devices the ledger knows (migration 001), cached in memory and
 * refreshed periodically: a message for anything else is dead-lettered.
 */
export class Registry {
  private sites = new Map<string, { timeZone: string }>();
  private devices = new Map<string, KnownDevice>();
  private timer: NodeJS.Timeout | undefined;
  private refreshedAt = 0;

  private readonly db: Db;

  constructor(db: Db) {
    this.db = db;
  }

  async refresh(): Promise<void> {
    const sites = await this.db.q.selectFrom('sites').select(['id', 'time_zone']).execute();
    const devices = await this.db.q
      .selectFrom('devices')
      .select(['site_id', 'id', 'kind'])
      .$narrowType<{ kind: 'inverter' | 'meter' }>() // the column's CHECK constraint
      .execute();
    this.sites = new Map(sites.map((s) => [s.id, { timeZone: s.time_zone }]));
    this.devices = new Map(devices.map((d) => [`${d.site_id}/${d.id}`, { kind: d.kind }]));
    this.refreshedAt = Date.now();
  }

  /**
   * Reloads now unless the last load is less than `minGapMs` old (a stream of messages for a device
   * nobody registered must not turn into a stream of queries); true when it reloaded.
   */
  async reloadUnlessRecent(minGapMs: number): Promise<boolean> {
    if (Date.now() - this.refreshedAt < minGapMs) return false;
    this.refreshedAt = Date.now();
    await this.refresh();
    return true;
  }

  start(everyMs: number, onError: (err: unknown) => void): void {
    this.timer = setInterval(() => {
      this.refresh().catch(onError);
    }, everyMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  hasSite(site: string): boolean {
    return this.sites.has(site);
  }

  device(site: string, device: string): KnownDevice | undefined {
    return this.devices.get(`${site}/${device}`);
  }

  /** The site's time zone (sites.time_zone); DEFAULT_TIME_ZONE for a site not (yet) known. */
  tzOf = (site: string): string => this.sites.get(site)?.timeZone ?? DEFAULT_TIME_ZONE;
}

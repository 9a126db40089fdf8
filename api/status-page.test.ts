import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { available, hasBinary, openTestLedger, type TestLedger } from '../common/testing/index.ts';
import { buildApp } from './app.ts';
import { createToken } from './auth/tokens.ts';
import { batchFor } from './fixtures.ts';
import { LiveStatusStore } from './live/store.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(import.meta.dirname, '..', 'artifacts');
const chromiumUp = available('Chromium', hasBinary(CHROMIUM), 'apt-get install chromium');

/** The status page in real Chromium, on a desktop and a phone: site time, money, alarms, legend, uncapped percentage, layout. */
describe.skipIf(!chromiumUp)('status page in Chromium', () => {
  let ledger: TestLedger;
  let app: FastifyInstance;
  let browser: Browser;
  let url: string;
  let token: string;
  const NAMES = ['乳城镇1号光伏电站', '必背镇2号光伏电站'];

  beforeAll(async () => {
    ledger = await openTestLedger('sqlite');
    const db = ledger.db;
    for (const [i, name] of NAMES.entries()) {
      const id = `ry-0${i + 1}`;
      await db.q.insertInto('sites').values({ id, name, capacity_w: 300_000, latitude: 24.78, longitude: 113.28 }).execute();
      await db.q.insertInto('devices').values([...['inv1', 'inv2', 'inv3'].map((d) => ({ site_id: id, id: d, kind: 'inverter', rated_power_w: 100_000, revenue_meter: 0 })), { site_id: id, id: 'meter', kind: 'meter', rated_power_w: null, revenue_meter: 1 }]).execute();
      await db.q.insertInto('tariffs').values({ site_id: id, valid_from: '2026-01-01', valid_to: null, grid_rate: 45_300, subsidy_rate: 37_000 }).execute();
    }
    await db.q
      .insertInto('alarms')
      .values({ id: 'al1', alarm_key: 'device_offline:ry-02:inv2::', kind: 'device_offline', severity: 'major', site_id: 'ry-02', device_id: 'inv2', gateway_id: 'gw1', message: 'inverter inv2 at ry-02: no reading for 3 cycles', stops_generation: 1, raised_at: Date.parse('2026-06-21T02:00:00Z'), acknowledged_at: null, acknowledged_by: null, cleared_at: null, lost_wh: 40_000, lost_fen: 3292, households_fen: 1975, company_fen: 1317, households: 20 })
      .execute();
    const live = new LiveStatusStore();
    // a simulated June day: ry-01 has made 2,000 kWh by 14:00 (more than a clear day's share, to show the percentage uncapped), ry-02 600 kWh
    const start = Date.parse('2026-06-21T06:00:00+08:00');
    for (let k = 0; k <= 16; k++) {
      const ts = start + k * 30 * 60_000;
      live.applyTelemetry(batchFor('ry-01', k, ts, 90_000, 1_000_000 + k * 100_000, 5_000_000 + k * 125_000));
      live.applyTelemetry(batchFor('ry-02', k, ts, 30_000, 1_000_000 + k * 30_000, 5_000_000 + k * 37_500));
    }
    app = await buildApp({ db, live });
    url = await app.listen({ host: '127.0.0.1', port: 0 });
    token = (await createToken(db, 'viewer', 'page-test')).token;
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await ledger?.close();
  });

  async function open(width: number): Promise<Page> {
    const page = await (await browser.newContext({ locale: 'en-US', viewport: { width, height: 900 } })).newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${url}/?token=${token}&every=60000`);
    await expect.poll(() => page.locator('[data-testid=sites] tbody tr').count()).toBe(2);
    await expect.poll(() => page.locator('[data-testid=legend] li').count()).toBe(2);
    expect(errors).toEqual([]);
    return page;
  }

  for (const width of [1366, 390]) {
    it(`at ${width} px: site time, money, open alarms, legend = table names, uncapped percentage, no horizontal scroll, readable chart text`, async () => {
      const page = await open(width);
      expect(await page.textContent('[data-testid=site-time]')).toBe('Site time 2026-06-21, 14:00 (simulated)');
      // 2,000 + 600 kWh x 0.823 yuan/kWh
      expect(await page.textContent('[data-testid=sum-money]')).toBe('¥2,139.80');
      expect(await page.textContent('[data-testid=alarm-count]')).toBe('1');
      const alarm = await page.locator('[data-testid=alarms] tr').first().textContent();
      expect(alarm).toContain('必背镇2号光伏电站 · inv2');
      expect(alarm).toContain('¥32.92 (households ¥19.75)');
      const tableNames = await page.locator('[data-testid=sites] tbody tr td:first-child').allTextContents();
      expect(tableNames).toEqual(NAMES);
      expect(await page.locator('[data-testid=legend] li').allTextContents()).toEqual(NAMES);
      const pct = Number(/^(\d+)%/.exec((await page.locator('[data-site="ry-01"] small').textContent()) ?? '')?.[1]);
      expect(pct).toBeGreaterThan(100);
      expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(width);
      const smallest = await page.evaluate<number>("Math.min(...[...document.querySelectorAll('#chart svg text')].map((t) => t.getBoundingClientRect().height))");
      expect(smallest).toBeGreaterThanOrEqual(11);
      await page.screenshot({ path: join(ARTIFACTS, `status-page-${width}.png`), fullPage: true });
    }, 30_000);
  }
});

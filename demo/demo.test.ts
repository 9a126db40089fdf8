import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLedger } from '../common/ledger/index.ts';
import { available, hasBinary, waitFor } from '../common/testing/index.ts';
import { startDemo, type Demo } from './index.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(import.meta.dirname, '..', 'artifacts');
const chromiumUp = available('Chromium', hasBinary(CHROMIUM), 'apt-get install chromium');

describe('the demo, end to end', () => {
  let demo: Demo;
  let dir: string;
  const get = async (path: string, token = demo.tokens.viewer) => {
    const res = await fetch(`${demo.apiUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status, `${path}: ${res.status}`).toBe(200);
    return res.json() as Promise<{ items: Record<string, unknown>[]; total: number }>;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sunshare-demo-'));
    demo = await startDemo({ apiPort: 0, mqttPort: 0, dataDir: join(dir, 'data'), daySeconds: 20 });
  });
  afterAll(async () => {
    await demo?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('produces, ingests and settles a simulated day, and the API shows it', async () => {
    await waitFor(async () => (await get('/sites')).items.every((s) => s.online === true && Number(s.powerW) > 0), 'every site online and producing', 30_000, 250);
    await waitFor(async () => demo.settledDays.length > 0, 'the first settled day', 45_000, 250);
    const day = demo.settledDays[0]!;
    const settlements = await get(`/settlements?from=${day}&to=${day}`);
    expect(settlements.total).toBe(3);
    for (const s of settlements.items) {
      expect(s).toMatchObject({ day, version: 1, energySource: 'revenue_meter' });
      expect(Number(s.energyWh)).toBeGreaterThan(100_000); // a 300 kW site makes far more than 100 kWh on a day
      expect(Number(s.revenueFen)).toBeGreaterThan(0);
      // closed only once the first read after midnight is in (ingest's grace scaled to the simulated clock)
      expect(String(s.flags)).not.toContain('no_next');
    }
    const energy = await get(`/daily-energy?from=${day}&to=${day}&limit=500`);
    expect(energy.items.filter((e) => e.counter === 'export_energy_wh').map((e) => e.energyWh).sort()).toEqual(settlements.items.map((s) => s.energyWh).sort());
    expect((await get('/settlement-runs')).total).toBeGreaterThan(0);
    // the monitor runs in the demo and watches the same telemetry; a healthy county raises no alarm
    expect(demo.monitorStats().batches).toBeGreaterThan(0);
    expect((await get('/alarms?status=all')).items.map((a) => `${String(a.kind)} ${String(a.message)}`)).toEqual([]);
  }, 90_000);

  it.skipIf(!chromiumUp)('shows live numbers that change in real Chromium, in both languages, and downloads a report', async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const browser: Browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const context = await browser.newContext({ acceptDownloads: true, locale: 'en-US', viewport: { width: 1100, height: 1000 } });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${demo.apiUrl}/?token=${demo.tokens.finance}&every=500`);
      expect(page.url()).not.toContain('token='); // the token leaves the address bar
      await expect.poll(() => page.locator('[data-testid=sites] tbody tr').count()).toBe(3);
      await expect.poll(() => page.textContent('[data-testid=sum-online]')).toBe('3 of 3');
      const first = await page.textContent('[data-testid=sum-energy]');
      await expect.poll(() => page.textContent('[data-testid=sum-energy]'), { timeout: 15_000 }).not.toBe(first);
      expect(await page.locator('[data-testid=chart] path[data-site]').count()).toBe(3);

      await page.waitForSelector('[data-report="households.csv"]', { timeout: 30_000 });
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-report="households.csv"]')]);
      const saved = join(ARTIFACTS, download.suggestedFilename());
      await download.saveAs(saved);
      expect(download.suggestedFilename()).toMatch(/^payout-\d{4}-\d{2}-households\.csv$/);
      const csv = readFileSync(saved);
      expect(csv.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
      expect(csv.toString('utf8')).toContain('ry-01-h01');

      // a midday picture for the artifact: wait until the sites produce well
      await waitFor(async () => (await get('/sites')).items.reduce((a, s) => a + Number(s.powerW ?? 0), 0) > 200_000, 'midday', 20_000, 250).catch(() => undefined);
      await page.waitForTimeout(1200);
      await page.screenshot({ path: join(ARTIFACTS, 'status-page-en.png'), fullPage: true });
      await page.click('[data-testid=lang]');
      await expect.poll(() => page.textContent('h1')).toBe('Sunshare 电站状态');
      await expect.poll(() => page.textContent('[data-testid=sum-online]')).toBe('3 / 3');
      await page.screenshot({ path: join(ARTIFACTS, 'status-page-zh.png'), fullPage: true });
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 90_000);

  it('keeps every reading once the simulated clock runs more than a day ahead of the real one', async () => {
    const DAY = 86_400_000;
    await waitFor(async () => demo.simNow() > Date.now() + DAY + 2 * 3_600_000, 'simulated time more than a day ahead', 90_000, 250);
    const ahead = await demo.ingestStats();
    await waitFor(async () => (await demo.ingestStats()).readingsWritten > ahead.readingsWritten + 30, 'readings written since', 20_000, 250);
    expect((await demo.ingestStats()).deadLetters).toBe(0);
  }, 120_000);

  it('stops cleanly and leaves a consistent ledger', async () => {
    const days = demo.settledDays.length;
    await demo.stop();
    const db = await openLedger(join(dir, 'data', 'ledger.sqlite'));
    try {
      const n = await db.get<{ n: number }>('SELECT COUNT(DISTINCT day) AS n FROM settlements');
      expect(n?.n).toBeGreaterThanOrEqual(days);
      const audit = await db.all<{ action: string }>("SELECT action FROM audit_log WHERE action = 'report.download'");
      expect(audit.length).toBe(chromiumUp ? 1 : 0);
    } finally {
      await db.close();
    }
    demo = undefined as unknown as Demo;
  }, 60_000);
});

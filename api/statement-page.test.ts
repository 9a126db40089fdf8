import type { FastifyInstance } from 'fastify';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLedger, type Db } from '../common/ledger/index.ts';
import { silentLogger } from '../common/log.ts';
import { daysFromTo } from '../common/index.ts';
import { available, hasBinary } from '../common/testing/index.ts';
import { importRegistry, runSettlement } from '../payout/index.ts';
import { EXAMPLE_REGISTRY, putEnergy } from '../payout/testing/index.ts';
import { buildApp } from './app.ts';
import { createToken } from './auth/tokens.ts';
import { LiveStatusStore } from './live/store.ts';
import { payoutServiceFor } from './payout-wiring.ts';

const CHROMIUM = '/usr/bin/chromium';
const chromiumUp = available('Chromium', hasBinary(CHROMIUM), 'apt-get install chromium');

/** The status page's statement view in real Chromium, against the real API over a SQLite ledger. */
describe.skipIf(!chromiumUp)("one household's statement on the page", () => {
  let db: Db;
  let app: FastifyInstance;
  let url: string;
  let browser: Browser;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    db = await openLedger(':memory:');
    await importRegistry(db, EXAMPLE_REGISTRY);
    for (const day of daysFromTo('2017-06-01', '2017-07-31')) await putEnergy(db, 'ry-dq-01', 'meter01', 'export_energy_wh', day, 500_000, day === '2017-07-04' ? { flags: 'gap' } : {});
    await runSettlement(db, { from: '2017-06-01', to: '2017-07-31', now: new Date('2017-08-01T01:00:00Z') });
    await putEnergy(db, 'ry-dq-01', 'meter01', 'export_energy_wh', '2017-06-10', 600_000, { revision: 2 });
    await runSettlement(db, { from: '2017-06-10', to: '2017-06-10', now: new Date('2017-07-05T01:00:00Z') });
    for (const role of ['viewer', 'finance'] as const) tokens[role] = (await createToken(db, role, `${role}-page`)).token;
    app = await buildApp({ db, live: new LiveStatusStore(), payout: await payoutServiceFor(db, silentLogger) });
    url = await app.listen({ host: '127.0.0.1', port: 0 });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await db?.close();
  });

  async function showStatement(token: string) {
    const page = await browser.newPage({ locale: 'zh-CN' });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${url}/?token=${token}&every=60000`);
    await page.fill('[data-testid=st-household]', 'hh001');
    await page.fill('[data-testid=st-month]', '2017-07');
    await page.click('[data-testid=st-show]');
    return { page, errors };
  }

  it('shows the lines, the correction with its day and before/after, the 合计, the legend and the provenance', async () => {
    const { page, errors } = await showStatement(tokens.finance!);
    await page.waitForSelector('[data-testid=statement-table]');
    expect(await page.textContent('[data-testid=st-result] h3')).toContain('王秀英（hh001）');
    expect(await page.locator('[data-testid=statement-table] tbody tr').count()).toBe(31 + 1 + 1); // July's days, the correction, 合计
    const correction = (await page.locator('tr.correction td').allTextContents()).join('|');
    expect(correction).toContain('2017-06-10|5.000|6.000|4.90|5.88');
    const total = await page.locator('tr.total td').allTextContents();
    expect(total[0]).toBe('合计');
    expect(total.at(-1)).toBe(((31 * 490 + 98) / 100).toFixed(2));
    expect(await page.locator('[data-testid=statement-table]').textContent()).toContain('数据缺口');
    const notes = await page.locator('.notes li').allTextContents();
    expect(notes).toContain('数据标记说明：');
    expect(notes.some((n) => /账本摘要 SHA-256 [0-9a-f]{64}/.test(n))).toBe(true);
    expect(await page.textContent('#st-title')).toBe('农户对账单');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('tells a viewer that statements need a finance token', async () => {
    const { page } = await showStatement(tokens.viewer!);
    await expect.poll(() => page.textContent('[data-testid=st-error]')).toBe('查看对账单需要 finance 或 admin 令牌。');
    expect(await page.locator('[data-testid=statement-table]').count()).toBe(0);
    await page.close();
  });
});

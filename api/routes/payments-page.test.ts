import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { available, hasBinary, openTestLedger, type TestLedger } from '../../common/testing/index.ts';
import { approveMonth, draftMonth, postMonth, runSettlement } from '../../payout/index.ts';
import { APPROVER, PREPARER, putMonthEnergy, seedPaymentSites } from '../../payout/testing/index.ts';
import { buildApp } from '../app.ts';
import { createToken } from '../auth/tokens.ts';

const CHROMIUM = '/usr/bin/chromium';
const chromiumUp = available('Chromium', hasBinary(CHROMIUM), 'apt-get install chromium');

describe("the status page's payout months", () => {
  let ledger: TestLedger | undefined;
  let app: FastifyInstance;
  let url = '';
  let token = '';
  beforeAll(async () => {
    ledger = await openTestLedger('sqlite');
    const db = ledger.db;
    await seedPaymentSites(db, 1, 2, '2024-01-01');
    for (const month of ['2024-01', '2024-02']) await putMonthEnergy(db, ['pv001'], month, () => 10_000);
    await runSettlement(db, { from: '2024-01-01', to: '2024-02-29', now: new Date('2024-03-01T00:00:00Z') });
    const now = new Date('2024-03-01T02:00:00Z');
    await draftMonth(db, '2024-01', PREPARER, now);
    await postMonth(db, '2024-01', PREPARER, 0, now);
    await approveMonth(db, '2024-01', APPROVER, now);
    await draftMonth(db, '2024-02', PREPARER, now);
    token = (await createToken(db, 'viewer', 'page-viewer')).token;
    app = await buildApp({ db });
    await app.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await app?.close();
    await ledger?.close();
  });

  it('lists each month with its state and who did each step (API)', async () => {
    const res = await app.inject({ url: '/payout-months', headers: { authorization: `Bearer ${token}` } });
    const body = res.json<{ items: { month: string; state: string; steps: { step: string; actor: string }[] }[] }>();
    expect(body.items.map((m) => [m.month, m.state])).toEqual([['2024-02', 'draft'], ['2024-01', 'approved']]);
    expect(body.items[1]!.steps.map((s) => `${s.step}:${s.actor}`)).toEqual(['draft:preparer-li', 'posted:preparer-li', 'approved:approver-wang']);
  });

  it.skipIf(!chromiumUp)('shows them on the page in real Chromium, in both languages', async () => {
    const browser: Browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
    try {
      const page = await (await browser.newContext({ locale: 'en-US' })).newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${url}/?token=${token}&every=500`);
      const row = page.locator('[data-testid=payout-months] tr[data-month="2024-01"]');
      await expect.poll(() => row.textContent(), { timeout: 15_000 }).toContain('approved');
      expect(await row.textContent()).toContain('approver-wang');
      expect(await page.locator('[data-testid=payout-months] tr[data-month="2024-02"]').textContent()).toContain('draft');
      await page.click('[data-testid=lang]');
      await expect.poll(() => row.textContent(), { timeout: 15_000 }).toContain('已审批');
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 60_000);
});

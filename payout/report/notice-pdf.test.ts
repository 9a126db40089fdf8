import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { available, hasBinary } from '../../common/testing/index.ts';
import { openLedger, type Db } from '../../common/ledger/index.ts';
import { daysFromTo } from '../../common/index.ts';
import { seedRegistry } from '../registry/seed.ts';
import { runSettlement } from '../settle/run.ts';
import { putEnergy } from '../testing/fixture.ts';
import { formatYuan } from '../money/revenue.ts';
import { buildReport, noticePdf } from './build.ts';
import { loadReportMonth } from './view.ts';

/**
 * The printable 公示, read back the way a person would see it: pdftotext for
 * the text (per page, and with -bbox for where every word sits), pdffonts for
 * the embedded font, pdftoppm for the pixels.
 */
const popplerUp = available('poppler-utils (pdftotext, pdffonts, pdftoppm)', hasBinary('pdftotext') && hasBinary('pdffonts') && hasBinary('pdftoppm'), 'apt-get install poppler-utils');
const VILLAGE = '龙会村';
const HOUSEHOLDS = 70; // two pages at 39 rows a page
const LONG_NAME = '欧阳德福安平红军梅兰'; // ten characters in a column made for three or four

let db: Db;
let dir: string;
let pdf: string;
const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: 'utf8' });
const yuan = (s: string) => Math.round(Number(s.replace(/,/g, '')) * 100);

beforeAll(async () => {
  if (!popplerUp) return;
  db = await openLedger(':memory:');
  await seedRegistry(
    db,
    [
      { id: 'ry-lh-01', name: '大桥镇龙会村光伏扶贫电站', town: '大桥镇', village: VILLAGE, capacityW: 300_000, devices: [{ id: 'meter', kind: 'meter', revenueMeter: true }] },
      { id: 'ry-dg-01', name: '大桥镇东光村光伏扶贫电站', town: '大桥镇', village: '东光村', capacityW: 300_000, devices: [{ id: 'meter', kind: 'meter', revenueMeter: true }] },
    ],
    { tariff: { from: '2017-01-01', gridRate: 45_300, subsidyRate: 52_700 }, households: { perSite: HOUSEHOLDS, shareW: 3000, from: '2017-06-01' } },
  );
  // a different amount every day, so the sums are not round
  for (const [i, day] of daysFromTo('2017-06-01', '2017-06-30').entries()) {
    await putEnergy(db, 'ry-lh-01', 'meter', 'export_energy_wh', day, 1_000_000 + i * 12_345);
    await putEnergy(db, 'ry-dg-01', 'meter', 'export_energy_wh', day, 900_000);
  }
  await db.q.updateTable('households').set({ name: LONG_NAME }).where('id', '=', 'ry-lh-01-h05').execute();
  await runSettlement(db, { from: '2017-06-01', to: '2017-06-30', now: new Date('2017-07-01T01:00:00Z') });
  dir = mkdtempSync(join(tmpdir(), 'sunshare-notice-'));
  pdf = join(dir, 'notice.pdf');
  writeFileSync(pdf, await noticePdf(await loadReportMonth(db, { month: '2017-06', village: VILLAGE }), VILLAGE));
});
afterAll(async () => {
  await db?.close();
});

describe.skipIf(!popplerUp)('the printable 公示', () => {
  it('has the village, month and page x of y on every page, every household, and page sums and the 合计 that add up', async () => {
    const pages = run('pdftotext', ['-layout', pdf, '-']).split('\f').filter((p) => p.trim() !== '');
    expect(pages).toHaveLength(2);
    const m = await loadReportMonth(db, { month: '2017-06', village: VILLAGE });
    expect(m.households).toHaveLength(HOUSEHOLDS);
    let numbered = 0;
    let grand = 0;
    pages.forEach((text, p) => {
      expect(text).toContain(`${VILLAGE}光伏扶贫收益公示（2017-06）`);
      expect(text).toMatch(new RegExp(`第\\s*${p + 1}\\s*页\\s*/\\s*共\\s*2\\s*页`));
      expect(text).toContain('金额均为实付金额：已扣除运维费');
      expect(text).toMatch(/账本摘要 SHA-256 [0-9a-f]{64}/);
      const rows = text.split('\n').filter((l) => /^\s*\d+\s+龙会村/.test(l));
      const amounts = (l: string) => l.trim().split(/\s+/).slice(-2).map(yuan) as [number, number];
      for (const r of rows) {
        numbered++;
        expect(Number(r.trim().split(/\s+/)[0])).toBe(numbered);
        const h = m.households[numbered - 1]!;
        expect(r).toContain(h.name);
        expect(r).toContain('ry-lh-01');
        expect(amounts(r)).toEqual([h.net_fen, h.ytd_fen]);
      }
      const pageSum = rows.reduce((a, r) => a + amounts(r)[0], 0);
      grand += pageSum;
      const subtotal = text.split('\n').find((l) => l.includes('本页小计'))!;
      expect(amounts(subtotal)[0]).toBe(pageSum);
      if (p === pages.length - 1) {
        const total = text.split('\n').find((l) => /^\s*合计/.test(l))!;
        expect(amounts(total)[0]).toBe(grand);
        expect(total).toContain(formatYuan(m.households.reduce((a, h) => a + h.net_fen, 0)));
      } else {
        expect(text).not.toMatch(/^\s*合计/m);
      }
    });
    expect(numbered).toBe(HOUSEHOLDS);
  });

  it('keeps every word inside the A4 page, off the edges', () => {
    const html = run('pdftotext', ['-bbox', pdf, '-']);
    const pages = [...html.matchAll(/<page width="([\d.]+)" height="([\d.]+)">/g)].map((p) => ({ w: Number(p[1]), h: Number(p[2]) }));
    expect(pages).toHaveLength(2);
    for (const p of pages) {
      expect(p.w).toBeCloseTo(595.28, 0);
      expect(p.h).toBeCloseTo(841.89, 0);
    }
    const words = [...html.matchAll(/<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<\/word>/g)];
    expect(words.length).toBeGreaterThan(HOUSEHOLDS * 8);
    for (const w of words) {
      const [xMin, yMin, xMax, yMax] = [1, 2, 3, 4].map((i) => Number(w[i]));
      expect(xMin, w[5]).toBeGreaterThanOrEqual(20);
      expect(yMin, w[5]).toBeGreaterThanOrEqual(20);
      expect(xMax, w[5]).toBeLessThanOrEqual(595.28 - 20);
      expect(yMax, w[5]).toBeLessThanOrEqual(841.89 - 20);
    }
  });

  it('sets a name too wide for its column smaller instead of cutting it', () => {
    const html = run('pdftotext', ['-bbox', pdf, '-']);
    const word = new RegExp(`<word xMin="([\\d.]+)" yMin="[\\d.]+" xMax="([\\d.]+)" yMax="[\\d.]+">${LONG_NAME}</word>`).exec(html);
    expect(word, 'the whole name, as one word').not.toBeNull();
    // the 户主姓名 column spans 116-170 pt (margin 36, 序号 26, 村 54, 户主姓名 54)
    expect(Number(word![1])).toBeGreaterThanOrEqual(116);
    expect(Number(word![2])).toBeLessThanOrEqual(170);
  });

  it('embeds the Chinese font', () => {
    const fonts = run('pdffonts', [pdf]).split('\n').filter((l) => l.includes('WenQuanYi'));
    expect(fonts.length).toBeGreaterThan(0);
    // name type encoding emb sub uni object ID: emb and sub are "yes"
    for (const f of fonts) expect(f).toMatch(/\byes\s+yes\s+yes\b/);
  });

  it('renders to pages with ink in the header, the table and the footer', () => {
    run('pdftoppm', ['-r', '40', '-gray', pdf, join(dir, 'page')]);
    const images = readdirSync(dir).filter((f) => f.startsWith('page')).sort();
    expect(images).toHaveLength(2);
    for (const f of images) {
      // binary PGM: "P5\n<w> <h>\n255\n" then one byte a pixel
      const data = readFileSync(join(dir, f));
      const [, w, h] = /^P5\s+(\d+)\s+(\d+)\s+255\s/.exec(data.subarray(0, 30).toString('latin1'))!.map(Number) as [number, number, number];
      const pixels = data.subarray(data.length - w * h);
      const inkIn = (fromY: number, toY: number) => {
        let dark = 0;
        for (let y = Math.floor(fromY * h); y < Math.floor(toY * h); y++) for (let x = 0; x < w; x++) if (pixels[y * w + x]! < 128) dark++;
        return dark;
      };
      expect(inkIn(0, 0.08), `${f} header`).toBeGreaterThan(20);
      expect(inkIn(0.15, 0.85), `${f} table`).toBeGreaterThan(500);
      expect(inkIn(0.9, 1), `${f} footer`).toBeGreaterThan(10);
      // nothing in the outer 2% on either side
      let edge = 0;
      for (let y = 0; y < h; y++) for (const x of [0, 1, w - 2, w - 1]) if (pixels[y * w + x]! < 128) edge++;
      expect(edge, `${f} edges`).toBe(0);
    }
  });

  it('writes one PDF per village from `payout report --format pdf`, each with its own digest', async () => {
    const files = await buildReport(db, { month: '2017-06', format: 'pdf' });
    expect([...files.keys()].sort()).toEqual(['notice-2017-06-东光村.pdf', 'notice-2017-06-龙会村.pdf']);
    const texts = [...files.values()].map((b) => {
      const f = join(dir, `v${b.length}.pdf`);
      writeFileSync(f, b);
      return run('pdftotext', [f, '-']);
    });
    const digests = texts.map((t) => /账本摘要 SHA-256 ([0-9a-f]{64})/.exec(t)![1]);
    expect(digests[0]).not.toBe(digests[1]);
  });

  it('fails with a clear error naming the font package when the font is missing', async () => {
    const m = await loadReportMonth(db, { month: '2017-06', village: VILLAGE });
    const err = await noticePdf(m, VILLAGE, '/nonexistent/wqy-microhei.ttc').then(() => undefined, (e: unknown) => e as { code: string; message: string });
    expect(err?.code).toBe('REPORT_FONT_MISSING');
    expect(err?.message).toContain('fonts-wqy-microhei');
  });
});

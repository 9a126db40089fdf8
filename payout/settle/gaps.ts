import { addDays, daysBetween, monthDays, monthOf } from '../../common/index.ts';

/**
 * Site-days a settlement run covered whose data was missing or partial, and
 * how a run's summary says so in words, in Chinese and in English (never the
 * bare flag codes of the `settlements.flags` column).
 */
export interface DataGap {
  site: string;
  day: string;
  /** missing: no energy at all (posted as 0.00); partial: some readings or devices missing */
  kind: 'missing' | 'partial';
  /** the settlement's flags that made it so */
  flags: string[];
}

/** A day of a site that had not ended in the site's time zone when the run started: not settled. */
export interface NotEnded {
  site: string;
  from: string;
  to: string;
  timeZone: string;
}

interface Words { zh: string; en: string }

/** Flags that mean the day's energy is incomplete, in words. Flags not listed here (reset, rollover, late...) do not. */
export const GAP_WORDS: Readonly<Record<string, Words>> = {
  no_data: { zh: '无任何电量数据', en: 'no energy data at all' },
  meter_missing: { zh: '关口电表未报数，改用逆变器电量', en: 'the revenue meter reported nothing, the inverters were used' },
  device_missing: { zh: '有逆变器未报数', en: 'an inverter reported nothing' },
  gap: { zh: '读数中断', en: 'a gap in the readings' },
  no_prev: { zh: '当日开始前无读数', en: 'no reading from before the day began' },
  no_next: { zh: '当日结束后无读数', en: 'no reading from after the day ended' },
  interpolated: { zh: '跨午夜插值', en: 'interpolated across midnight' },
  estimated: { zh: '估算电量', en: 'estimated energy' },
};

/** The gap of one settled site-day, from its flags; undefined when its data was complete. */
export function gapOf(site: string, day: string, flags: readonly string[]): DataGap | undefined {
  const found = flags.filter((f) => f in GAP_WORDS);
  if (found.length === 0) return undefined;
  // with no data at all, which device was missing says nothing more
  if (found.includes('no_data')) return { site, day, kind: 'missing', flags: ['no_data'] };
  return { site, day, kind: 'partial', flags: found };
}

interface Span { site: string; from: string; to: string; kind: DataGap['kind']; flags: string[] }

/** Consecutive days of one site with the same kind and flags, as one span. */
function spans(gaps: readonly DataGap[]): Span[] {
  const sorted = [...gaps].sort((a, b) => (a.site === b.site ? (a.day < b.day ? -1 : 1) : a.site < b.site ? -1 : 1));
  const out: Span[] = [];
  for (const g of sorted) {
    const last = out.at(-1);
    if (last && last.site === g.site && last.kind === g.kind && last.flags.join() === g.flags.join() && addDays(last.to, 1) === g.day) last.to = g.day;
    else out.push({ site: g.site, from: g.day, to: g.day, kind: g.kind, flags: g.flags });
  }
  return out;
}

/** Whole calendar months within a span of missing data. */
function wholeMonths(s: Span): string[] {
  const months: string[] = [];
  for (let m = monthOf(s.from); m <= monthOf(s.to); ) {
    const { first, last } = monthDays(m);
    if (first >= s.from && last <= s.to) months.push(m);
    const next = addDays(last, 1);
    m = monthOf(next);
  }
  return months;
}

/**
 * The run summary's lines about data: one per site and span of days, in
 * Chinese then English. A site with no data for a whole month gets its own
 * line saying its households were credited 0.00 and how that is put right.
 */
export function describeGaps(gaps: readonly DataGap[], notEnded: readonly NotEnded[] = []): string[] {
  const lines: string[] = [];
  for (const s of spans(gaps)) {
    const n = daysBetween(s.from, s.to) + 1;
    const range = s.from === s.to ? { zh: s.from, en: s.from } : { zh: `${s.from} 至 ${s.to}（${n} 天）`, en: `${s.from} to ${s.to} (${n} days)` };
    const what = { zh: s.flags.map((f) => GAP_WORDS[f]!.zh).join('；'), en: s.flags.map((f) => GAP_WORDS[f]!.en).join('; ') };
    if (s.kind === 'missing') {
      lines.push(`缺数据 站点 ${s.site} ${range.zh}：${what.zh}，各户按 0.00 元入账 / missing data: site ${s.site} ${range.en}: ${what.en}, every household credited 0.00`);
      for (const m of wholeMonths(s)) {
        lines.push(
          `整月无数据 站点 ${s.site} ${m}：全月各户收益均为 0.00 元，请导入电网公司抄表（sunshare registry import-reads）后重新结算，差额作为调整支付 / ` +
            `no data for the whole month: site ${s.site} ${m}: every household of the site was credited 0.00 for the month; import the grid company's reads (sunshare registry import-reads) and settle again, the difference is paid as adjustments`,
        );
      }
    } else {
      lines.push(`数据不全 站点 ${s.site} ${range.zh}：${what.zh} / partial data: site ${s.site} ${range.en}: ${what.en}`);
    }
  }
  for (const u of mergeNotEnded(notEnded)) {
    const range = u.from === u.to ? u.from : `${u.from}..${u.to}`;
    lines.push(`未结算 站点 ${u.site} ${range}：该日在 ${u.timeZone} 尚未结束 / not settled: site ${u.site} ${range}: the day has not ended in ${u.timeZone}`);
  }
  return lines;
}

/** Spans of one site that follow each other (a run made of chunks) as one. */
function mergeNotEnded(list: readonly NotEnded[]): NotEnded[] {
  const out: NotEnded[] = [];
  for (const u of [...list].sort((a, b) => (a.site === b.site ? (a.from < b.from ? -1 : 1) : a.site < b.site ? -1 : 1))) {
    const last = out.at(-1);
    if (last && last.site === u.site && addDays(last.to, 1) >= u.from) last.to = u.to > last.to ? u.to : last.to;
    else out.push({ ...u });
  }
  return out;
}

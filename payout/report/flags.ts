/**
 * The data flags a settled day carries (ingest's daily energy and settle's
 * choice of source), in Chinese for the reports, with the legend printed
 * under a table that shows any.
 */
export const FLAG_TEXT: Readonly<Record<string, { zh: string; meaning: string }>> = {
  gap: { zh: '数据缺口', meaning: '当日两次读数间隔超过1小时，其间电量按时间分摊' },
  no_prev: { zh: '缺前读数', meaning: '当日之前没有读数，电量自当日第一次读数算起' },
  no_next: { zh: '缺后读数', meaning: '日终后尚无读数，电量计至当日最后一次读数' },
  no_data: { zh: '无数据', meaning: '当日没有任何电量数据，按0计' },
  late: { zh: '迟到数据', meaning: '电量在日结后因迟到的读数重算过' },
  interpolated: { zh: '跨日插值', meaning: '零点前后读数间隔超过1小时，按时间分摊到两天' },
  estimated: { zh: '估算', meaning: '当日没有读数，按前后读数按时间估算' },
  reset: { zh: '计数器清零', meaning: '电量计数器当日被清零，清零后的电量照计' },
  rollover: { zh: '计数器溢出', meaning: '电量计数器当日满量程回绕，已换算' },
  replacement: { zh: '更换设备', meaning: '当日更换了设备，更换前后之间的电量计0' },
  meter_missing: { zh: '关口表缺数', meaning: '关口表当日无数据，改用逆变器发电量合计' },
  device_missing: { zh: '逆变器缺数', meaning: '部分逆变器当日未上报，发电量偏少' },
};

const words = (flags: string) => flags.split(',').map((f) => f.trim()).filter((f) => f !== '');

/** "gap,late" -> "数据缺口、迟到数据"; a flag without a translation shows as it is. */
export function flagsZh(flags: string): string {
  return words(flags).map((f) => FLAG_TEXT[f]?.zh ?? f).join('、');
}

/** The legend lines for every flag that occurs in `flagLists`, in the order of FLAG_TEXT. */
export function flagLegend(flagLists: Iterable<string>): string[] {
  const seen = new Set<string>();
  for (const l of flagLists) for (const f of words(l)) seen.add(f);
  if (seen.size === 0) return [];
  const known = Object.keys(FLAG_TEXT).filter((f) => seen.has(f));
  const unknown = [...seen].filter((f) => !FLAG_TEXT[f]).sort();
  return [
    '数据标记说明：',
    ...known.map((f) => `${FLAG_TEXT[f]!.zh}（${f}）：${FLAG_TEXT[f]!.meaning}`),
    ...unknown.map((f) => `${f}：未说明的标记`),
  ];
}

import { DEFAULT_TIME_ZONE } from '../../common/index.ts';

/**
 * PostgreSQL fragments for the ledger panels (tables: common/ledger/migrations).
 * Days are local dates (TEXT, YYYY-MM-DD, the sites' time zone); Grafana's
 * range is converted to local dates the same way.
 */
const LOCAL = `'${DEFAULT_TIME_ZONE}'`;
const localDateSql = (instant: string) => `to_char(${instant}::timestamptz AT TIME ZONE ${LOCAL}, 'YYYY-MM-DD')`;

/** `col` (a local date) lies in the dashboard's time range. */
export const dayInRange = (col: string) => `${col} BETWEEN ${localDateSql('$__timeFrom()')} AND ${localDateSql('$__timeTo()')}`;

/** A local date as the instant of its local midnight, for Grafana's time column. */
export const dayAsTime = (col: string) => `(${col}::date::timestamp AT TIME ZONE ${LOCAL})`;

/** Only the latest version of each site-day's settlement (later versions carry the corrected totals). */
export const LATEST_SETTLEMENT = `s.version = (SELECT max(x.version) FROM settlements x WHERE x.site_id = s.site_id AND x.day = s.day)`;

/** Posted money: daily lines and adjustments of every version, which sum to what is owed. */
export const LINES = `settlement_lines l JOIN settlements s ON s.id = l.settlement_id`;

/**
 * Year to date against the annual target, per household and site, for the
 * local year of the range's end. The target is prorated by the share-days
 * held that year, as payout/period/targets.ts does: annual target (per 3 kW)
 * x sum(share_w x days) / (3000 W x days in the year).
 */
export const HOUSEHOLD_YEAR = `WITH b AS (
  SELECT make_date(y, 1, 1) AS first, make_date(y, 12, 31) AS last, make_date(y + 1, 1, 1) - make_date(y, 1, 1) AS days,
         least(($__timeTo()::timestamptz AT TIME ZONE ${LOCAL})::date, make_date(y, 12, 31)) AS through
  FROM (SELECT extract(year FROM $__timeTo()::timestamptz AT TIME ZONE ${LOCAL})::int AS y) yr
), targets AS (
  SELECT a.site_id, a.household_id,
         round(sum(coalesce(p.annual_target_fen, 300000)::numeric * a.share_w
               * (least(coalesce(a.valid_to::date, b.last), b.last) - greatest(a.valid_from::date, b.first) + 1)) / (3000 * max(b.days))) AS target_fen
  FROM allocations a CROSS JOIN b LEFT JOIN site_policies p ON p.site_id = a.site_id
  WHERE a.site_id IN ($site) AND a.valid_from::date <= b.last AND (a.valid_to IS NULL OR a.valid_to::date >= b.first)
  GROUP BY a.site_id, a.household_id
), earned AS (
  SELECT s.site_id, l.household_id, sum(l.amount_fen) AS fen
  FROM ${LINES} CROSS JOIN b
  WHERE l.household_id <> '' AND s.day BETWEEN to_char(b.first, 'YYYY-MM-DD') AND to_char(b.through, 'YYYY-MM-DD')
  GROUP BY s.site_id, l.household_id
)
SELECT h.name AS "Household", h.village AS "Village", t.site_id AS "Site",
       coalesce(e.fen, 0) / 100.0 AS "Year to date (yuan)",
       t.target_fen / 100.0 AS "Annual target (yuan)",
       round(coalesce(e.fen, 0) * max(b.days) / (max(b.through) - max(b.first) + 1) / 100.0, 2) AS "Projected year (yuan)",
       round(100.0 * coalesce(e.fen, 0) / nullif(t.target_fen, 0), 1) AS "Of target (%)",
       coalesce(max(tp.amount_fen), 0) / 100.0 AS "Top-up posted (yuan)"
FROM targets t
CROSS JOIN b
JOIN households h ON h.id = t.household_id
LEFT JOIN earned e ON e.site_id = t.site_id AND e.household_id = t.household_id
LEFT JOIN topups tp ON tp.site_id = t.site_id AND tp.household_id = t.household_id AND tp.year = to_char(b.first, 'YYYY')
GROUP BY h.name, h.village, t.site_id, e.fen, t.target_fen
ORDER BY 7 ASC, 1`;

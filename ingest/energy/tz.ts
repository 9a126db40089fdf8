/**
 * Local days in a site's time zone, without a date library: Intl gives the
 * wall-clock parts, and each time zone's current day is cached because
 * localDay() runs once per reading.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone: tz,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(tz, f);
  }
  return f;
}

function wallClock(ts: number, tz: string): { y: number; m: number; d: number; h: number; mi: number; s: number } {
  const p: Record<string, number> = {};
  for (const part of formatter(tz).formatToParts(new Date(ts))) if (part.type !== 'literal') p[part.type] = Number(part.value);
  return { y: p.year!, m: p.month!, d: p.day!, h: p.hour!, mi: p.minute!, s: p.second! };
}

/** Milliseconds the zone is ahead of UTC at instant ts. */
function offsetAt(ts: number, tz: string): number {
  const w = wallClock(ts, tz);
  return Date.UTC(w.y, w.m - 1, w.d, w.h, w.mi, w.s) - Math.floor(ts / 1000) * 1000;
}

/** True when tz is a time zone Intl knows. */
export function isValidTimeZone(tz: string): boolean {
  try {
    formatter(tz);
    return true;
  } catch {
    return false;
  }
}

/** The instant local midnight starts `day` (YYYY-MM-DD) in tz. */
export function dayStart(day: string, tz: string): number {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const guess = Date.UTC(y, m - 1, d);
  let t = guess - offsetAt(guess, tz);
  t = guess - offsetAt(t, tz);
  return t;
}

export function addDays(day: string, n: number): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

/** [start, end) of the local day in epoch ms (23 or 25 hours on DST days). */
export function dayBounds(day: string, tz: string): { start: number; end: number } {
  return { start: dayStart(day, tz), end: dayStart(addDays(day, 1), tz) };
}

const currentDay = new Map<string, { day: string; start: number; end: number }>();

/** The local date (YYYY-MM-DD) of instant ts in tz. */
export function localDay(ts: number, tz: string): string {
  const c = currentDay.get(tz);
  if (c && ts >= c.start && ts < c.end) return c.day;
  const w = wallClock(ts, tz);
  const day = `${w.y}-${String(w.m).padStart(2, '0')}-${String(w.d).padStart(2, '0')}`;
  const bounds = dayBounds(day, tz);
  currentDay.set(tz, { day, ...bounds });
  return day;
}

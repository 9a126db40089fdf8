import { SunshareError, type ErrorCode } from './errors.ts';

/**
 * Site-local days and time zones, without a date library: Intl gives a zone's
 * wall clock at an instant, everything else is arithmetic on epoch ms and on
 * 'YYYY-MM-DD' text. The day a reading (and so a fen) belongs to is decided here.
 *
 * Instants are epoch ms. A local day is [dayStart(day), dayStart(next day)):
 * 24 hours, or 23 and 25 hours on the days daylight saving time starts and ends.
 * Where a zone skips local midnight (clocks jump from 23:59 to 01:00), the day
 * starts at the jump.
 */

/** The time zone of a site whose zone is not given: the config default (every site so far is in China). */
export const DEFAULT_TIME_ZONE = 'Asia/Shanghai';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The zone's wall clock at instant t, as if it were UTC (whole seconds). */
function wallClock(t: number, timeZone: string): number {
  const p: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(t)) if (part.type !== 'literal') p[part.type] = Number(part.value);
  return Date.UTC(p.year!, p.month! - 1, p.day, p.hour, p.minute, p.second);
}

/** True when Intl knows `timeZone` as an IANA zone name (e.g. 'Europe/Berlin', 'UTC'). */
export function isValidTimeZone(timeZone: string): boolean {
  if (typeof timeZone !== 'string' || timeZone === '') return false;
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/**
 * Returns `timeZone`, or throws a SunshareError naming `what` (e.g. 'site
 * ry-01 time zone') when Intl does not know it: CONFIG_INVALID unless the
 * caller gives its own code (REQUEST_INVALID for an API body, ...).
 */
export function checkTimeZone(timeZone: string, what = 'time zone', code: ErrorCode = 'CONFIG_INVALID'): string {
  if (!isValidTimeZone(timeZone)) {
    throw new SunshareError(code, `${what} "${timeZone}" is not an IANA time zone (e.g. ${DEFAULT_TIME_ZONE}, Europe/Berlin, UTC)`);
  }
  return timeZone;
}

/** Milliseconds the zone's wall clock is ahead of UTC at instant t (negative west of Greenwich). */
export function zoneOffsetMs(t: number, timeZone: string): number {
  return wallClock(t, timeZone) - Math.floor(t / 1000) * 1000;
}

// --- calendar days as text ---------------------------------------------------

const DAY_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a real calendar date written YYYY-MM-DD. */
export function isDate(text: string): boolean {
  if (!DAY_RE.test(text)) return false;
  const d = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === text;
}

function dayParts(day: string): [number, number, number] {
  const m = DAY_RE.exec(day);
  if (!m) throw new RangeError(`"${day}" is not a day YYYY-MM-DD`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

const formatDay = (utcMidnight: number): string => new Date(utcMidnight).toISOString().slice(0, 10);

/** The day `n` calendar days after `day` (before it for negative n). */
export function addDays(day: string, n: number): string {
  const [y, m, d] = dayParts(day);
  return formatDay(Date.UTC(y, m - 1, d + n));
}

/** Calendar days from `from` to `to` (0 for the same day, negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  const [y1, m1, d1] = dayParts(from);
  const [y2, m2, d2] = dayParts(to);
  return Math.round((Date.UTC(y2, m2 - 1, d2) - Date.UTC(y1, m1 - 1, d1)) / DAY_MS);
}

/** Every day from `from` to `to`, both included (empty when `to` is before `from`). */
export function daysFromTo(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) out.push(d);
  return out;
}

export const monthOf = (day: string): string => day.slice(0, 7);

export function isMonth(text: string): boolean {
  return /^\d{4}-(0[1-9]|1[0-2])$/.test(text);
}

export function nextMonth(month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
}

/** First and last day of a month YYYY-MM. */
export function monthDays(month: string): { first: string; last: string } {
  return { first: `${month}-01`, last: addDays(`${nextMonth(month)}-01`, -1) };
}

// --- local days and times in a zone -----------------------------------------

const currentDay = new Map<string, { day: string; start: number; end: number }>();

/**
 * The local date (YYYY-MM-DD) of instant t in `timeZone`. Each zone's current
 * day is cached, as this runs once per reading.
 */
export function localDay(t: number, timeZone: string): string {
  const c = currentDay.get(timeZone);
  if (c && t >= c.start && t < c.end) return c.day;
  const day = formatDay(Math.floor(wallClock(t, timeZone) / DAY_MS) * DAY_MS);
  const { start, end } = dayBounds(day, timeZone);
  if (t >= start && t < end) currentDay.set(timeZone, { day, start, end });
  return day;
}

/** Today's local date in `timeZone` (at `now`, default the real clock). */
export function todayIn(timeZone: string, now: number | Date = Date.now()): string {
  return localDay(typeof now === 'number' ? now : now.getTime(), timeZone);
}

/** Milliseconds since local midnight of the local day at instant t (a wall-clock reading: 0 .. 24 h). */
export function localTimeOfDay(t: number, timeZone: string): number {
  const wall = wallClock(t, timeZone) + (t - Math.floor(t / 1000) * 1000);
  return wall - Math.floor(wall / DAY_MS) * DAY_MS;
}

/** Candidate offsets around wall time `wall` (as UTC ms): the zone's offsets a day before and a day after. */
function instantsOf(wall: number, timeZone: string): { valid: number[]; before: number; after: number } {
  const before = zoneOffsetMs(wall - DAY_MS, timeZone);
  const after = zoneOffsetMs(wall + DAY_MS, timeZone);
  const valid = [...new Set([wall - before, wall - after, wall - zoneOffsetMs(wall - zoneOffsetMs(wall, timeZone), timeZone)])]
    .filter((t) => wallClock(t, timeZone) + (t - Math.floor(t / 1000) * 1000) === wall)
    .sort((a, b) => a - b);
  return { valid, before, after };
}

/**
 * The instant a local wall-clock time `time` ('HH:MM' or 'HH:MM:SS', default
 * midnight) on `day` happens in `timeZone`. A time that happens twice (clocks
 * going back) gives the earlier instant; a time skipped by clocks going forward
 * gives the instant as many minutes after the jump as it is after the last
 * time before it (like Temporal's 'compatible').
 */
export function localTimeToInstant(day: string, time: string, timeZone: string): number {
  const [y, mo, d] = dayParts(day);
  const m = /^(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(time);
  if (!m || Number(m[1]) > 23 || Number(m[2]) > 59 || Number(m[3] ?? 0) > 59) throw new RangeError(`"${time}" is not a time of day HH:MM[:SS]`);
  const wall = Date.UTC(y, mo - 1, d, Number(m[1]), Number(m[2]), Number(m[3] ?? 0));
  const { valid, before } = instantsOf(wall, timeZone);
  return valid[0] ?? wall - before;
}

const dayStarts = new Map<string, number>();

/** The instant local `day` begins in `timeZone` (its local midnight, or the jump where the zone skips midnight). */
export function dayStart(day: string, timeZone: string): number {
  const key = `${timeZone}|${day}`;
  let start = dayStarts.get(key);
  if (start === undefined) {
    start = findDayStart(day, timeZone);
    if (dayStarts.size >= 10_000) dayStarts.clear();
    dayStarts.set(key, start);
  }
  return start;
}

function findDayStart(day: string, timeZone: string): number {
  const [y, m, d] = dayParts(day);
  const wall = Date.UTC(y, m - 1, d);
  const { valid, before, after } = instantsOf(wall, timeZone);
  if (valid[0] !== undefined) return valid[0];
  // Midnight was skipped: the day starts at the jump, the first instant with the later offset.
  let lo = wall - after - HOUR_MS * 24;
  let hi = wall - before;
  while (hi - lo > 1000) {
    const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
    if (zoneOffsetMs(mid, timeZone) === after) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** [start, end) of local `day` in epoch ms: 24 hours long, 23 or 25 on daylight-saving days. */
export function dayBounds(day: string, timeZone: string): { start: number; end: number } {
  return { start: dayStart(day, timeZone), end: dayStart(addDays(day, 1), timeZone) };
}

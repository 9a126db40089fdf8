import { localDay } from '../api/index.ts';

/**
 * The simulated start: the given local date (and time), or today at 04:00 in
 * the site's zone, so the sun rises a few seconds into the demo.
 */
export function simStart(text: string | undefined, timeZone: string, now = Date.now()): number {
  const m = /^(\d{4}-\d{2}-\d{2})(?:T(\d{2}):(\d{2}))?$/.exec(text ?? `${localDay(now, timeZone)}T04:00`);
  if (!m) throw new Error(`--start must be YYYY-MM-DD or YYYY-MM-DDTHH:MM, got "${text}"`);
  const wall = Date.parse(`${m[1]}T${m[2] ?? '04'}:${m[3] ?? '00'}:00Z`);
  return wall - offsetMs(wall, timeZone);
}

function offsetMs(t: number, timeZone: string): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' })
      .formatToParts(t)
      .map((p) => [p.type, p.value]),
  );
  return Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute)) - Math.floor(t / 60_000) * 60_000;
}

import { describe, expect, it } from 'vitest';
import {
  addDays,
  checkTimeZone,
  DEFAULT_TIME_ZONE,
  dayBounds,
  dayStart,
  daysBetween,
  daysFromTo,
  isDate,
  isMonth,
  isValidTimeZone,
  localDay,
  localTimeOfDay,
  localTimeToInstant,
  monthDays,
  monthOf,
  nextMonth,
  todayIn,
  zoneOffsetMs,
} from './time.ts';

const at = (iso: string) => Date.parse(iso);
const H = 3_600_000;

describe('time zones', () => {
  it('accepts IANA zones and rejects anything else', () => {
    for (const z of [DEFAULT_TIME_ZONE, 'Europe/Berlin', 'America/New_York', 'Asia/Kathmandu', 'Pacific/Kiritimati', 'UTC']) expect(isValidTimeZone(z)).toBe(true);
    for (const z of ['', 'Mars/Olympus_Mons', 'Asia/Shanghia', 'not a zone']) expect(isValidTimeZone(z)).toBe(false);
  });

  it('checkTimeZone returns a valid zone and throws CONFIG_INVALID naming the field otherwise', () => {
    expect(checkTimeZone('Europe/Berlin')).toBe('Europe/Berlin');
    expect(() => checkTimeZone('Europe/Berlinn', 'site s1 time zone')).toThrow(/site s1 time zone "Europe\/Berlinn" is not an IANA time zone/);
    try {
      checkTimeZone('Nowhere/Land', 'zone');
      expect.unreachable();
    } catch (err) {
      expect(err).toMatchObject({ name: 'SunshareError', code: 'CONFIG_INVALID' });
    }
    expect(() => checkTimeZone('UTC+8', 'timeZone', 'REQUEST_INVALID')).toThrow(expect.objectContaining({ code: 'REQUEST_INVALID', httpStatus: 400 }));
  });

  it('gives the offset at an instant, including +05:45, +14:00 and DST', () => {
    expect(zoneOffsetMs(at('2026-06-01T00:00:00Z'), 'Asia/Shanghai')).toBe(8 * H);
    expect(zoneOffsetMs(at('2026-06-01T00:00:00Z'), 'Asia/Kathmandu')).toBe(5.75 * H);
    expect(zoneOffsetMs(at('2026-06-01T00:00:00Z'), 'Pacific/Kiritimati')).toBe(14 * H);
    expect(zoneOffsetMs(at('2026-01-15T12:00:00Z'), 'Europe/Berlin')).toBe(1 * H);
    expect(zoneOffsetMs(at('2026-07-15T12:00:00Z'), 'Europe/Berlin')).toBe(2 * H);
    expect(zoneOffsetMs(at('2026-07-15T12:00:00Z'), 'America/New_York')).toBe(-4 * H);
  });
});

describe('local days', () => {
  it('Asia/Shanghai: the day changes at 16:00 UTC', () => {
    expect(localDay(at('2026-06-20T15:59:59.999Z'), 'Asia/Shanghai')).toBe('2026-06-20');
    expect(localDay(at('2026-06-20T16:00:00Z'), 'Asia/Shanghai')).toBe('2026-06-21');
    expect(dayBounds('2026-06-21', 'Asia/Shanghai')).toEqual({ start: at('2026-06-20T16:00:00Z'), end: at('2026-06-21T16:00:00Z') });
  });

  it('an instant exactly at local midnight belongs to the day it starts', () => {
    for (const tz of ['Asia/Shanghai', 'Europe/Berlin', 'America/New_York', 'Asia/Kathmandu', 'Pacific/Kiritimati', 'UTC']) {
      const start = dayStart('2026-03-29', tz);
      expect(localDay(start, tz)).toBe('2026-03-29');
      expect(localDay(start - 1, tz)).toBe('2026-03-28');
      expect(localTimeOfDay(start, tz)).toBe(0);
    }
  });

  it('+05:45 and +14:00 zones: days start at 18:15 and 10:00 UTC the day before', () => {
    expect(dayBounds('2026-06-21', 'Asia/Kathmandu')).toEqual({ start: at('2026-06-20T18:15:00Z'), end: at('2026-06-21T18:15:00Z') });
    expect(dayBounds('2026-06-21', 'Pacific/Kiritimati')).toEqual({ start: at('2026-06-20T10:00:00Z'), end: at('2026-06-21T10:00:00Z') });
    expect(localDay(at('2026-06-20T10:00:00Z'), 'Pacific/Kiritimati')).toBe('2026-06-21');
    expect(localDay(at('2026-06-20T09:59:59Z'), 'Pacific/Kiritimati')).toBe('2026-06-20');
    expect(localDay(at('2026-06-20T18:14:59Z'), 'Asia/Kathmandu')).toBe('2026-06-20');
  });

  it('a day across UTC midnight: one local day spans two UTC dates and back', () => {
    // New York, summer: local 2026-07-01 runs 04:00Z .. 04:00Z the next day.
    const tz = 'America/New_York';
    expect(localDay(at('2026-07-01T23:30:00Z'), tz)).toBe('2026-07-01');
    expect(localDay(at('2026-07-02T03:59:59Z'), tz)).toBe('2026-07-01');
    expect(localDay(at('2026-07-02T04:00:00Z'), tz)).toBe('2026-07-02');
    // and the cached day does not leak into another zone
    expect(localDay(at('2026-07-02T03:00:00Z'), 'Asia/Shanghai')).toBe('2026-07-02');
    expect(localDay(at('2026-07-02T03:00:00Z'), tz)).toBe('2026-07-01');
  });

  it('Europe/Berlin spring forward (2026-03-29) is 23 hours, fall back (2026-10-25) is 25', () => {
    const tz = 'Europe/Berlin';
    const spring = dayBounds('2026-03-29', tz);
    expect(spring).toEqual({ start: at('2026-03-28T23:00:00Z'), end: at('2026-03-29T22:00:00Z') });
    expect(spring.end - spring.start).toBe(23 * H);
    const fall = dayBounds('2026-10-25', tz);
    expect(fall).toEqual({ start: at('2026-10-24T22:00:00Z'), end: at('2026-10-25T23:00:00Z') });
    expect(fall.end - fall.start).toBe(25 * H);
    // the repeated 02:00-03:00 hour is the same day both times
    expect(localDay(at('2026-10-25T00:30:00Z'), tz)).toBe('2026-10-25');
    expect(localDay(at('2026-10-25T01:30:00Z'), tz)).toBe('2026-10-25');
    expect(localDay(fall.end - 1, tz)).toBe('2026-10-25');
    expect(localDay(fall.end, tz)).toBe('2026-10-26');
  });

  it('America/New_York spring forward (2026-03-08) and fall back (2026-11-01)', () => {
    const tz = 'America/New_York';
    const spring = dayBounds('2026-03-08', tz);
    expect(spring).toEqual({ start: at('2026-03-08T05:00:00Z'), end: at('2026-03-09T04:00:00Z') });
    const fall = dayBounds('2026-11-01', tz);
    expect(fall).toEqual({ start: at('2026-11-01T04:00:00Z'), end: at('2026-11-02T05:00:00Z') });
    expect(fall.end - fall.start).toBe(25 * H);
  });

  it('a zone that skipped midnight starts the day at the jump (America/Sao_Paulo, 2018-11-04 00:00 -> 01:00)', () => {
    const tz = 'America/Sao_Paulo';
    const b = dayBounds('2018-11-04', tz);
    expect(b.start).toBe(at('2018-11-04T03:00:00Z'));
    expect(b.end - b.start).toBe(23 * H);
    expect(localDay(b.start - 1, tz)).toBe('2018-11-03');
    expect(localDay(b.start, tz)).toBe('2018-11-04');
    // and the fall-back to 23:00 the day before (2018-02-18 00:00 -> 02-17 23:00) makes 02-17 25 hours long
    const fb = dayBounds('2018-02-17', tz);
    expect(fb.end - fb.start).toBe(25 * H);
    expect(fb.end).toBe(at('2018-02-18T03:00:00Z'));
  });

  it('consecutive days tile time: every day ends where the next begins', () => {
    for (const tz of ['Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kathmandu']) {
      for (const d of daysFromTo('2026-03-01', '2026-04-30').concat(daysFromTo('2026-09-25', '2026-11-05'))) {
        const b = dayBounds(d, tz);
        expect(dayBounds(addDays(d, 1), tz).start).toBe(b.end);
        expect(localDay(b.start, tz)).toBe(d);
        expect(localDay(b.end - 1, tz)).toBe(d);
      }
    }
  });

  it('todayIn is the local day of now', () => {
    expect(todayIn('Asia/Shanghai', at('2026-06-20T16:00:00Z'))).toBe('2026-06-21');
    expect(todayIn('America/New_York', new Date('2026-06-20T16:00:00Z'))).toBe('2026-06-20');
  });
});

describe('local times', () => {
  it('turns a wall-clock time into an instant', () => {
    expect(localTimeToInstant('2026-06-21', '06:30', 'Asia/Shanghai')).toBe(at('2026-06-20T22:30:00Z'));
    expect(localTimeToInstant('2026-06-21', '00:00:05', 'Asia/Kathmandu')).toBe(at('2026-06-20T18:15:05Z'));
    expect(localTimeToInstant('2026-01-10', '04:00', 'Europe/Berlin')).toBe(at('2026-01-10T03:00:00Z'));
  });

  it('a skipped time moves past the jump; a repeated time is the earlier instant', () => {
    // Berlin 2026-03-29: 02:00 -> 03:00; 02:30 does not exist and reads as 03:30 CEST
    expect(localTimeToInstant('2026-03-29', '02:30', 'Europe/Berlin')).toBe(at('2026-03-29T01:30:00Z'));
    // Berlin 2026-10-25: 02:30 happens at 00:30Z (CEST) and 01:30Z (CET)
    expect(localTimeToInstant('2026-10-25', '02:30', 'Europe/Berlin')).toBe(at('2026-10-25T00:30:00Z'));
  });

  it('local time of day, on normal and DST days', () => {
    expect(localTimeOfDay(at('2026-06-20T22:30:00Z'), 'Asia/Shanghai')).toBe(6.5 * H);
    expect(localTimeOfDay(at('2026-03-29T01:30:00Z'), 'Europe/Berlin')).toBe(3.5 * H);
    expect(localTimeOfDay(at('2026-10-25T01:30:00.250Z'), 'Europe/Berlin')).toBe(2.5 * H + 250);
  });

  it('rejects malformed days and times', () => {
    expect(() => localTimeToInstant('2026-6-1', '00:00', 'UTC')).toThrow(/not a day/);
    expect(() => localTimeToInstant('2026-06-01', '24:00', 'UTC')).toThrow(/not a time of day/);
  });
});

describe('calendar days', () => {
  it('adds days across months, years and leap days', () => {
    expect(addDays('2026-01-31', 1)).toBe('2026-02-01');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
    expect(addDays('2026-03-28', 2)).toBe('2026-03-30');
    expect(addDays('2026-06-01', -365)).toBe('2025-06-01');
    expect(daysBetween('2024-02-28', '2024-03-01')).toBe(2);
    expect(daysBetween('2026-03-29', '2026-03-28')).toBe(-1);
    expect(daysBetween('2026-01-01', '2027-01-01')).toBe(365);
  });

  it('ranges, months and validation', () => {
    expect(daysFromTo('2026-02-27', '2026-03-02')).toEqual(['2026-02-27', '2026-02-28', '2026-03-01', '2026-03-02']);
    expect(daysFromTo('2026-03-02', '2026-03-01')).toEqual([]);
    expect(isDate('2026-02-29')).toBe(false);
    expect(isDate('2024-02-29')).toBe(true);
    expect(isDate('2024-2-9')).toBe(false);
    expect(isMonth('2026-13')).toBe(false);
    expect(monthOf('2026-06-21')).toBe('2026-06');
    expect(nextMonth('2026-12')).toBe('2027-01');
    expect(monthDays('2024-02')).toEqual({ first: '2024-02-01', last: '2024-02-29' });
  });
});

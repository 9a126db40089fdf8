import { increment, type CounterRead, type IncrementKind } from './increment.ts';

export type DailyMethod = 'delta' | 'reset' | 'rollover' | 'replacement' | 'interpolated' | 'estimated';

export interface DailyEnergy {
  energyWh: number;
  method: DailyMethod;
  /** Sorted, comma-free words: the other things seen (e.g. 'gap', 'no_next'). */
  flags: string[];
  first?: CounterRead;
  last?: CounterRead;
  /** Counter reads inside the day that were used. */
  readings: number;
}

export interface DayInput {
  start: number;
  end: number;
  /** Reads sorted by ts, unique ts: at most one before `start`, the day's own, at most one at/after `end`. */
  reads: readonly CounterRead[];
  /** A pair of reads further apart than this is a gap (flag 'gap'; across midnight 'interpolated'). */
  maxGapMs: number;
}

const KIND_PRIORITY: IncrementKind[] = ['replacement', 'rollover', 'reset'];

/**
 * Energy of one local day from a lifetime counter (design decision 1).
 *
 * Every pair of consecutive reads (a, b) carries an increment (see increment());
 * the day gets the share of it that falls inside [start, end), split linearly
 * by time. Shares are cumulative-rounded per pair (S(t) = round(inc * fraction
 * up to t)), so two neighbouring days split a midnight-crossing pair exactly:
 * the days of a counter always sum to its total increase, to the Wh.
 */
export function computeDay(input: DayInput): DailyEnergy | undefined {
  const { start, end, reads, maxGapMs } = input;
  const inside = reads.filter((r) => r.ts >= start && r.ts < end);
  const kinds = new Set<IncrementKind>();
  const flags = new Set<string>();
  let energy = 0;
  let boundaryGap = false;
  let contributed = false;
  for (let i = 0; i + 1 < reads.length; i++) {
    const a = reads[i]!;
    const b = reads[i + 1]!;
    if (b.ts <= start || a.ts >= end) continue;
    const inc = increment(a, b);
    const share = (t: number) => Math.round(inc.wh * Math.min(1, Math.max(0, (t - a.ts) / (b.ts - a.ts))));
    energy += share(end) - share(start);
    contributed = true;
    if (inc.kind !== 'delta') kinds.add(inc.kind);
    const gap = b.ts - a.ts > maxGapMs;
    if (gap && (a.ts < start || b.ts > end)) boundaryGap = true;
    else if (gap) flags.add('gap');
  }
  if (!contributed && inside.length === 0) return undefined;
  if (reads.length === 0 || reads[0]!.ts >= start) flags.add('no_prev');
  if (reads.length === 0 || reads[reads.length - 1]!.ts < end) flags.add('no_next');

  let method: DailyMethod = KIND_PRIORITY.find((k) => kinds.has(k)) ?? 'delta';
  for (const k of KIND_PRIORITY) if (kinds.has(k) && k !== method) flags.add(k);
  if (inside.length === 0) {
    if (method !== 'delta') flags.add(method);
    method = 'estimated';
  } else if (boundaryGap) {
    if (method === 'delta') method = 'interpolated';
    else flags.add('interpolated');
  }
  return {
    energyWh: energy,
    method,
    flags: [...flags].sort(),
    ...(inside.length > 0 ? { first: inside[0]!, last: inside[inside.length - 1]! } : {}),
    readings: inside.length,
  };
}

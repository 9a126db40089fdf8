import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { roundPosting, roundPostingNumbers, type PostingParty } from './cumulative.ts';

/**
 * A site of `capacity` W with households joining and leaving, one posting per
 * day of random revenue, rounded with roundPosting: checks, in exact
 * arithmetic, every party's running total within 1 fen, every line within 2
 * fen, and equal shares within 1 fen of each other over every stretch.
 */
const dayArb = fc.record({
  revenue: fc.integer({ min: 0, max: 2_000_000 }),
  leave: fc.integer({ min: -1, max: 40 }),
  join: fc.boolean(),
});

describe('cumulative rounding of postings', () => {
  it('gives [1, 0, 0]-style ties to the party listed first, and sums exactly', () => {
    const p = (x: bigint): PostingParty => ({ x, r: 0n });
    expect(roundPosting([p(1n), p(1n), p(1n)], 3n, 1).amounts).toEqual([1, 0, 0]);
    // the next day the same parties: the first is 2/3 fen ahead, so the second and third get the fen
    const first = roundPosting([p(1n), p(1n), p(1n)], 3n, 1);
    const second = roundPosting(first.residuals.map((r) => ({ x: 1n, r })), 3n, 1);
    expect(second.amounts).toEqual([0, 1, 0]);
  });

  it('lets a household that left settle a fen when the parties in the posting cannot absorb it', () => {
    // the company alone in the posting, 0.9 fen ahead, and 2 fen to post: it can take only 1 within 1 fen;
    // of those who left, the one owed most (0.9 fen behind) gets the other
    const out = roundPosting([{ x: 10n, r: 9n }], 10n, 2, [-9n, 5n]);
    expect(out).toEqual({ amounts: [1], residuals: [9n], spares: [1, 0], overflow: 0 });
    expect(roundPostingNumbers([10], [9], 10, 2, [-9, 5])).toEqual({ amounts: [1], residuals: [9], spares: [1, 0], overflow: 0 });
  });

  it('keeps running totals within 1 fen, lines within 2, equal shares within 1 over any stretch, through joins and departures', () => {
    fc.assert(
      fc.property(fc.array(dayArb, { minLength: 30, maxLength: 120 }), fc.integer({ min: 60_000, max: 400_000 }), (days, capacity) => {
        const den = BigInt(capacity);
        // party 0 is the company; households of 3 kW (a few 4.5 kW) join and leave
        const share = new Map<number, number>([[1, 3000], [2, 3000], [3, 3000], [4, 4500]]);
        const residual = new Map<number, bigint>();
        const history = new Map<number, { day: number; line: number; x: bigint }[]>();
        let next = 5;
        days.forEach((d, t) => {
          const leaving = new Set<number>();
          const ids = [...share.keys()].sort((a, b) => a - b);
          if (d.leave >= 0 && ids.length > 0) leaving.add(ids[d.leave % ids.length]!);
          const allocated = [...share.values()].reduce((a, s) => a + s, 0);
          const parties = [...ids, 0];
          const weight = (id: number) => (id === 0 ? capacity - allocated : share.get(id)!);
          const gone = [...residual.keys()].filter((id) => !share.has(id) && id !== 0);
          const input = parties.map((id) => ({ x: BigInt(d.revenue) * BigInt(weight(id)), r: residual.get(id) ?? 0n }));
          const out = roundPosting(input, den, d.revenue, gone.map((id) => residual.get(id)!));
          expect(out.overflow).toBe(0);
          expect(out.amounts.reduce((a, b) => a + b, 0) + out.spares.reduce((a, b) => a + b, 0)).toBe(d.revenue);
          gone.forEach((id, i) => residual.set(id, residual.get(id)! + BigInt(out.spares[i]!) * den));
          parties.forEach((id, i) => {
            residual.set(id, out.residuals[i]!);
            const list = history.get(id) ?? [];
            list.push({ day: t, line: out.amounts[i]!, x: input[i]!.x });
            history.set(id, list);
          });
          for (const [, r] of residual) expect(r <= den && r >= -den).toBe(true);
          for (const id of leaving) share.delete(id);
          if (d.join && allocated + 3000 <= capacity) share.set(next++, 3000);
        });
        for (const list of history.values()) for (const l of list) expect(BigInt(l.line) * den - l.x <= 2n * den && BigInt(l.line) * den - l.x >= -2n * den).toBe(true);
        // equal shares over the same days: any stretch of days within 1 fen of each other
        const households = [...history].filter(([id]) => id !== 0);
        for (let a = 0; a < households.length; a++)
          for (let b = a + 1; b < households.length; b++) {
            const [, la] = households[a]!;
            const [, lb] = households[b]!;
            const common = la.filter((x) => lb.some((y) => y.day === x.day && y.x === x.x));
            if (common.length < 2) continue;
            const from = common[0]!.day;
            const to = common.at(-1)!.day;
            const span = (l: typeof la) => l.filter((x) => x.day >= from && x.day <= to);
            if (span(la).length !== common.length || span(lb).length !== common.length) continue;
            for (let i = 0; i < common.length; i++)
              for (let j = i; j < common.length; j++) {
                const sum = (l: typeof la) => l.filter((x) => x.day >= common[i]!.day && x.day <= common[j]!.day).reduce((s, x) => s + x.line, 0);
                expect(Math.abs(sum(span(la)) - sum(span(lb)))).toBeLessThanOrEqual(1);
              }
          }
      }),
      { numRuns: 60 },
    );
  });
});

describe('cumulative rounding in doubles', () => {
  it('gives exactly what the BigInt rounding gives', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 30 }).chain((den) =>
          fc.record({
            den: fc.constant(den),
            parties: fc.array(fc.record({ x: fc.integer({ min: -(2 ** 46), max: 2 ** 46 }), r: fc.integer({ min: -den, max: den }) }), { minLength: 1, maxLength: 40 }),
            spares: fc.array(fc.integer({ min: -den, max: den }), { maxLength: 6 }),
            shift: fc.integer({ min: -3, max: 3 }),
          }),
        ),
        ({ den, parties, spares, shift }) => {
          // a total the parties can hold: their owed amounts rounded, moved by a few fen to reach the spares
          const total = parties.reduce((a, p) => a + Math.round((p.x - p.r) / den), 0) + shift;
          const big = roundPosting(parties.map((p) => ({ x: BigInt(p.x), r: BigInt(p.r) })), BigInt(den), total, spares.map(BigInt));
          const num = roundPostingNumbers(parties.map((p) => p.x), parties.map((p) => p.r), den, total, spares);
          expect(num.amounts).toEqual(big.amounts);
          expect(num.residuals).toEqual(big.residuals.map(Number));
          expect(num.spares).toEqual(big.spares);
          expect(num.overflow).toBe(big.overflow);
        },
      ),
      { numRuns: 500 },
    );
  });
});

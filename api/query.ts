import type { SelectQueryBuilder } from 'kysely';
import { SunshareError } from '../common/errors.ts';
import type { PageQuery } from './schemas.ts';

/** A filter was given (query strings send '' for an empty field): use with Kysely's `$if`. */
export const given = <T>(value: T | undefined | ''): value is T => value !== undefined && value !== '';

/** One page of a typed query (its select, where and order by), with the total count. */
export async function pageOf<DB, TB extends keyof DB, O>(query: SelectQueryBuilder<DB, TB, O>, page: PageQuery) {
  // ajv coerces "1e309" to Infinity and lets it through `maximum`; the database cannot bind it
  for (const [name, v] of [['limit', page.limit], ['offset', page.offset]] as const) {
    if (!Number.isSafeInteger(v)) throw new SunshareError('REQUEST_INVALID', 'the request querystring is invalid', { details: [`querystring/${name}: must be an integer, got ${v}`] });
  }
  const [items, count]: [O[], unknown] = await Promise.all([
    query.limit(page.limit).offset(page.offset).execute(),
    query
      .clearSelect()
      .clearOrderBy()
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirst(),
  ]);
  return { items, total: Number((count as { n?: number } | undefined)?.n ?? 0), limit: page.limit, offset: page.offset };
}

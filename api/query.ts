import type { Db } from '../common/ledger/index.ts';
import { SunshareError } from '../common/errors.ts';
import type { PageQuery } from './schemas.ts';

/** Builds `WHERE a = ? AND b >= ?` from the filters that were given. */
export class Where {
  private readonly parts: string[] = [];
  readonly params: unknown[] = [];

  add(sql: string, value: unknown): this {
    if (value !== undefined && value !== '') {
      this.parts.push(sql);
      this.params.push(value);
    }
    return this;
  }

  toString(): string {
    return this.parts.length ? `WHERE ${this.parts.join(' AND ')}` : '';
  }
}

/** One page of `SELECT <columns> FROM <from> <where> ORDER BY <order>`, with the total count. */
export async function pageOf<T>(db: Db, columns: string, from: string, where: Where, order: string, page: PageQuery) {
  // ajv coerces "1e309" to Infinity and lets it through `maximum`; the database cannot bind it
  for (const [name, v] of [['limit', page.limit], ['offset', page.offset]] as const) {
    if (!Number.isSafeInteger(v)) throw new SunshareError('REQUEST_INVALID', 'the request querystring is invalid', { details: [`querystring/${name}: must be an integer, got ${v}`] });
  }
  const w = where.toString();
  const [items, count] = await Promise.all([
    db.all<T>(`SELECT ${columns} FROM ${from} ${w} ORDER BY ${order} LIMIT ? OFFSET ?`, [...where.params, page.limit, page.offset]),
    db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM ${from} ${w}`, where.params),
  ]);
  return { items, total: Number(count?.n ?? 0), limit: page.limit, offset: page.offset };
}

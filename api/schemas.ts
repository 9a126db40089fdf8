import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { ID_PATTERN } from '../common/contract.ts';

/** Shared request/response schemas: they validate requests and generate /docs. */
export const ErrorResponse = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'stable, for scripts: AUTH_MISSING, AUTH_INVALID, AUTH_FORBIDDEN, REQUEST_INVALID, NOT_FOUND, ... (all in docs/errors.md)' }),
      message: Type.String({ description: 'what is wrong and what to do' }),
      details: Type.Array(Type.String()),
    }),
  },
  { title: 'Error' },
);

export const Pagination = {
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 50, description: 'items per page' }),
  offset: Type.Integer({ minimum: 0, default: 0, description: 'items to skip' }),
};
export interface PageQuery {
  limit: number;
  offset: number;
}

export const Page = <T extends TSchema>(item: T) =>
  Type.Object({
    items: Type.Array(item),
    total: Type.Integer({ description: 'items matching the filter, over all pages' }),
    limit: Type.Integer(),
    offset: Type.Integer(),
  });

export const IdParam = Type.String({ pattern: ID_PATTERN });
export const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'local date YYYY-MM-DD' });

/** Responses every authenticated route may give, so /docs lists them. */
export const authErrors = {
  400: ErrorResponse,
  401: ErrorResponse,
  403: ErrorResponse,
  429: ErrorResponse,
};

export type { Static };

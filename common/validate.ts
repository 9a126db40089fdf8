import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { SunshareError, type ErrorCode } from './errors.ts';

/**
 * One schema library (TypeBox) for config, messages and API bodies: the
 * static type comes from the schema, and every problem is reported with its
 * JSON path so a person can find it.
 */
export interface Validator<T extends TSchema> {
  readonly schema: T;
  check(value: unknown): value is Static<T>;
  /** Every problem as `path: message`; empty when the value is valid. */
  problems(value: unknown): string[];
  /** The value typed, or a SunshareError with the given code listing every problem. */
  parse(value: unknown, code: ErrorCode, what: string): Static<T>;
}

/** TypeBox's message for a property that is absent. */
const REQUIRED = 'Expected required property';

const cache = new WeakMap<TSchema, TypeCheck<TSchema>>();

/** The schema compiled once (cached per schema object). */
export function compiled<T extends TSchema>(schema: T): TypeCheck<T> {
  let check = cache.get(schema) as TypeCheck<T> | undefined;
  if (!check) {
    check = TypeCompiler.Compile(schema);
    cache.set(schema, check);
  }
  return check;
}

export function validator<T extends TSchema>(schema: T): Validator<T> {
  const check = compiled(schema);
  const problems = (value: unknown): string[] => {
    if (check.Check(value)) return [];
    const seen = new Set<string>();
    const missing = new Set<string>();
    for (const e of check.Errors(value)) {
      const path = e.path === '' ? '/' : e.path;
      // A missing property also fails its type ("Expected object"): say only that it is missing.
      if (missing.has(path)) continue;
      if (e.message === REQUIRED) {
        missing.add(path);
        for (const p of seen) if (p.startsWith(`${path}: `)) seen.delete(p);
      }
      seen.add(`${path}: ${e.message}`);
      if (seen.size >= 50) break;
    }
    return [...seen];
  };
  return {
    schema,
    check: (value): value is Static<T> => check.Check(value),
    problems,
    parse(value, code, what) {
      if (check.Check(value)) return value;
      const list = problems(value);
      throw new SunshareError(code, `${what} is invalid (${list.length} problem${list.length === 1 ? '' : 's'})`, {
        details: list,
      });
    },
  };
}

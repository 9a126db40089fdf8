import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ERRORS_DOC, errorsMarkdown } from './errors-doc.ts';
import { ERRORS, EXIT, SunshareError, isSunshareError, type ErrorCode } from './errors.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SKIP = new Set(['node_modules', '.git', 'coverage', 'artifacts', 'dist']);

/** Production sources: every .ts file but tests and the table itself. */
function sources(dir = ROOT): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (SKIP.has(e.name)) return [];
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    const rel = relative(ROOT, path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && rel !== join('common', 'errors.ts') ? [path] : [];
  });
}

describe('error codes', () => {
  it('SunshareError takes its HTTP and exit status from the table, and describes itself with every detail', () => {
    const e = new SunshareError('PAYOUT_LOCKED', 'another run holds the lock', { details: ['owner: pid 1'] });
    expect(isSunshareError(e)).toBe(true);
    expect([e.httpStatus, e.exitStatus]).toEqual([409, EXIT.tempfail]);
    expect(e.describe()).toBe('PAYOUT_LOCKED: another run holds the lock\n  - owner: pid 1');
    // @ts-expect-error a code that is not in the table does not typecheck
    expect(() => new SunshareError('NO_SUCH_CODE', 'x')).toThrow(TypeError);
  });

  it('every code has an HTTP error status, an exit status from EXIT and something to do', () => {
    const exits = new Set<number>(Object.values(EXIT));
    for (const [code, e] of Object.entries(ERRORS)) {
      expect(code, code).toMatch(/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/);
      expect(e.http >= 400 && e.http <= 599, code).toBe(true);
      expect(exits.has(e.exit), code).toBe(true);
      expect(e.action.length, code).toBeGreaterThan(10);
    }
  });

  it('every code in the table is used by the code (no dead codes)', () => {
    const text = sources()
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    const unused = (Object.keys(ERRORS) as ErrorCode[]).filter((code) => !text.includes(`'${code}'`));
    expect(unused).toEqual([]);
  });

  it('docs/errors.md is what `npm run docs:errors` generates from the table', () => {
    expect(readFileSync(ERRORS_DOC, 'utf8'), 'docs/errors.md is stale: run npm run docs:errors').toBe(errorsMarkdown());
  });
});

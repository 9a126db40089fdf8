import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Type, type Static } from '@sinclair/typebox';
import { parse } from 'yaml';
import { SunshareError } from '../../common/errors.ts';
import { validator } from '../../common/validate.ts';

/**
 * A bank's batch-transfer file layout, held as data (YAML in templates/):
 * adding a bank means adding a file. docs/payments.md describes every key.
 */
const Literal = <T extends string>(...xs: T[]) => Type.Union(xs.map((x) => Type.Literal(x)));
export const VALUES = ['seq', 'reference', 'account', 'name', 'amount', 'month', 'payer', 'kind'] as const;
const Column = Type.Object(
  {
    title: Type.String({ description: 'the column title in the title row' }),
    value: Type.String({ pattern: `^(${VALUES.join('|')}|text:.*)$`, description: `one of ${VALUES.join(', ')}, or text:<fixed text with {month} {payer}>` }),
  },
  { additionalProperties: false },
);
export const PaymentTemplate = Type.Object(
  {
    name: Type.String({ pattern: '^[a-z0-9-]{1,40}$' }),
    description: Type.String(),
    encoding: Literal('utf-8', 'gbk'),
    bom: Type.Boolean({ description: 'UTF-8 only: start with a byte-order mark' }),
    delimiter: Type.String({ minLength: 1, maxLength: 1 }),
    lineEnding: Literal('crlf', 'lf'),
    amount: Literal('yuan', 'fen'),
    header: Type.Array(Type.Array(Type.String()), { description: 'rows before the titles; cells may hold {month} {payer} {count} {total} {date}' }),
    titles: Type.Boolean({ description: 'write a row of the column titles' }),
    columns: Type.Array(Column, { minItems: 1 }),
    control: Type.Object(
      { at: Literal('top', 'bottom'), cells: Type.Array(Type.String(), { minItems: 1, description: 'the count and total check row: cells with {count} and {total}' }) },
      { additionalProperties: false },
    ),
    results: Type.Object(
      {
        reference: Type.String({ description: 'title of the column with our reference' }),
        status: Type.String(),
        reason: Type.String(),
        amount: Type.Optional(Type.String({ description: 'if given, each result must carry the amount we sent' })),
        paid: Type.Array(Type.String(), { minItems: 1, description: 'status texts meaning paid' }),
        returned: Type.Array(Type.String(), { minItems: 1, description: 'status texts meaning returned' }),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type PaymentTemplate = Static<typeof PaymentTemplate>;

export const TEMPLATES_DIR = join(dirname(fileURLToPath(import.meta.url)), 'templates');
const check = validator(PaymentTemplate);

export function builtInTemplates(): string[] {
  return readdirSync(TEMPLATES_DIR).filter((f) => f.endsWith('.yaml')).map((f) => basename(f, '.yaml')).sort();
}

/** A built-in template by name (templates/<name>.yaml), or a template file by path. */
export function loadTemplate(nameOrPath = 'generic'): PaymentTemplate {
  const file = /[/\\]|\.ya?ml$/.test(nameOrPath) ? nameOrPath : join(TEMPLATES_DIR, `${nameOrPath}.yaml`);
  if (!existsSync(file)) throw new SunshareError('PAYMENT_TEMPLATE_INVALID', `no payment file template "${nameOrPath}" (built in: ${builtInTemplates().join(', ')})`);
  let data: unknown;
  try {
    data = parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new SunshareError('PAYMENT_TEMPLATE_INVALID', `${file}: not valid YAML: ${(err as Error).message}`);
  }
  const t = check.parse(data, 'PAYMENT_TEMPLATE_INVALID', `payment file template ${file}`);
  const problems: string[] = [];
  if (!t.control.cells.some((c) => c.includes('{count}')) || !t.control.cells.some((c) => c.includes('{total}'))) problems.push('/control/cells: the check row needs {count} and {total}');
  if (t.bom && t.encoding !== 'utf-8') problems.push('/bom: a byte-order mark is for UTF-8 only');
  for (const v of ['reference', 'account', 'amount'] as const) if (!t.columns.some((c) => c.value === v)) problems.push(`/columns: no column with value ${v}`);
  if (problems.length > 0) throw new SunshareError('PAYMENT_TEMPLATE_INVALID', `payment file template ${file} is invalid (${problems.length} problem(s))`, { details: problems });
  return t;
}

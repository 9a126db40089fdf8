import { readFileSync } from 'node:fs';
import type { Static, TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { parse as parseYaml } from 'yaml';
import { SunshareError } from './errors.ts';
import { validator } from './validate.ts';

/**
 * Loads a YAML or JSON config file, fills schema defaults, and validates it.
 * Every problem is listed with its path (`/devices/2/port: Expected number`)
 * in one error, so a person fixes the whole file in one go.
 */
export function loadConfigFile<T extends TSchema>(file: string, schema: T): Static<T> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new SunshareError('CONFIG_UNREADABLE', `cannot read config file ${file}: ${(err as Error).message}`, { cause: err });
  }
  let raw: unknown;
  try {
    raw = parseYaml(text, { prettyErrors: true });
  } catch (err) {
    throw new SunshareError('CONFIG_SYNTAX', `config file ${file} is not valid YAML/JSON: ${(err as Error).message}`, { cause: err });
  }
  return parseConfig(raw ?? {}, schema, file);
}

/** Validates an already-parsed config object (defaults applied to a copy). */
export function parseConfig<T extends TSchema>(raw: unknown, schema: T, source = 'config'): Static<T> {
  const withDefaults = Value.Default(schema, structuredClone(raw));
  const v = validator(schema);
  const problems = v.problems(withDefaults);
  if (problems.length > 0) {
    throw new SunshareError('CONFIG_INVALID', `${source} is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'})`, {
      details: problems,
    });
  }
  return withDefaults as Static<T>;
}

import { readFileSync } from 'node:fs';
import { Type, type Static } from '@sinclair/typebox';
import { parse } from 'yaml';
import { SunshareError } from '../common/errors.ts';
import { validator } from '../common/validate.ts';

const Meaning = Type.Object(
  {
    en: Type.String({ minLength: 1 }),
    zh: Type.String({ minLength: 1 }),
    severity: Type.Union([Type.Literal('critical'), Type.Literal('major'), Type.Literal('minor'), Type.Literal('warning')]),
    stops: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type AlarmMeaning = Static<typeof Meaning>;
const Meanings = Type.Record(Type.String(), Type.Record(Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_]*$' }), Meaning));

export const ALARM_MEANINGS_FILE = new URL('../common/devices/alarm-meanings.yaml', import.meta.url);

/** The vendor meaning of every decoded alarm bit name, from the data file; a name in two tables keeps the first. */
export function loadAlarmMeanings(file: URL | string = ALARM_MEANINGS_FILE): Map<string, AlarmMeaning> {
  const raw: unknown = parse(readFileSync(file, 'utf8'));
  const problems = validator(Meanings).problems(raw);
  if (problems.length > 0) throw new SunshareError('CONFIG_INVALID', `${String(file)} is invalid (${problems.length} problems)`, { details: problems });
  const out = new Map<string, AlarmMeaning>();
  for (const table of Object.values(raw as Static<typeof Meanings>)) for (const [name, m] of Object.entries(table)) if (!out.has(name)) out.set(name, m);
  return out;
}

/** A name no table knows: shown as it is, as a major alarm that may stop generation. */
export const unknownMeaning = (name: string): AlarmMeaning => ({ en: name, zh: name, severity: 'major', stops: true });

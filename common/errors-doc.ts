import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ERRORS, EXIT, EXIT_MEANING } from './errors.ts';

/**
 * docs/errors.md, generated from the table in common/errors.ts:
 * `npm run docs:errors` (node common/errors-doc.ts) writes it, and
 * common/errors.test.ts fails when the committed file differs.
 */
export const ERRORS_DOC = fileURLToPath(new URL('../docs/errors.md', import.meta.url));

const cell = (text: string) => text.replaceAll('|', '\\|');

export function errorsMarkdown(): string {
  const exits = (Object.keys(EXIT) as (keyof typeof EXIT)[]).map((k) => `| ${EXIT[k]} | ${cell(EXIT_MEANING[k])} |`);
  const codes = Object.entries(ERRORS).map(([code, e]) => `| \`${code}\` | ${e.exit} | ${e.http} | ${cell(e.action)} |`);
  return [
    '# Error codes',
    '',
    '<!-- Generated from common/errors.ts by `npm run docs:errors`; edit the table there, not this file. -->',
    '',
    'Every error Sunshare reports to a person carries one of the codes below. The command line prints',
    '`CODE: message`, one line per detail (such as each problem in a config file), and what to do,',
    'then exits with the exit status of the code. The API answers with the HTTP status of the code and',
    '`{"error": {"code", "message", "details": []}}` (docs/api.md). The message says what went wrong;',
    'the table says what to do about it.',
    '',
    '## Exit statuses',
    '',
    'After BSD `sysexits.h`, so a script or a service manager can tell a typo from an outage.',
    '',
    '| exit | meaning |',
    '| --- | --- |',
    '| 0 | done |',
    ...exits,
    '',
    '## Codes',
    '',
    '| code | exit | HTTP | what to do |',
    '| --- | --- | --- | --- |',
    ...codes,
    '',
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(ERRORS_DOC, errorsMarkdown());
  console.log(`wrote ${ERRORS_DOC} (${Object.keys(ERRORS).length} codes)`);
}

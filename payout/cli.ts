import type { Command } from 'commander';
import { registerBank } from './bank-commands.ts';

const LEDGER_HELP = 'ledger: a SQLite file or postgres:// URL (default: $DATABASE_URL or data/ledger.sqlite)';
const collect = (v: string, prev: string[] = []) => [...prev, v];
// one default for report, statement and reconcile (payout/report/formats.ts DEFAULT_REPORT_FORMAT)
const FORMAT_HELP = 'xlsx (one workbook, a sheet per table; the default) or csv (UTF-8 with BOM, one file per table)';

export function register(program: Command): void {
  program
    .command('ledger')
    .description('The ledger itself: `ledger create` is the only command that makes one; every other command refuses a ledger that does not exist')
    .command('create')
    .description('Create an empty ledger (a SQLite file, or the tables in an empty PostgreSQL database); refuses one that already exists')
    .option('--ledger <url>', LEDGER_HELP)
    .option('--exists-ok', 'a ledger already there is not an error: bring its schema up to date and leave it (for deployments that run this on every start)')
    .action(async (o: { ledger?: string; existsOk?: boolean }) => (await import('./commands.ts')).createLedgerCommand(o));

  const payout = program
    .command('payout')
    .description('Settle days into the ledger (to the fen, append-only) and produce payout reports and statements');

  payout
    .command('run')
    .description('Settle one day or a range of days for every site (idempotent: re-running changes nothing unless an input changed)')
    .option('--date <YYYY-MM-DD>', 'settle this one day')
    .option('--from <YYYY-MM-DD>', 'first day of a range')
    .option('--to <YYYY-MM-DD>', 'last day of a range (inclusive)')
    .option('--site <id>', 'settle only this site (repeatable)', collect)
    .option('--fail-on-missing', 'exit 65 (PAYOUT_DATA_MISSING) when any site-day had missing or partial data (it is still settled and listed)')
    .option('--ledger <url>', LEDGER_HELP)
    .addHelpText(
      'after',
      `
The summary lists, by site and day and in Chinese and English, the site-days settled with missing
data (credited 0.00) or partial data. A day that has not ended in the site's time zone is not settled.
Site energy is the grid company's read if imported, else the revenue meter's, else the sum of the
inverters'. A day already posted with the same inputs is left alone; a changed input (late data, a
corrected read, a registry fix) posts a new version whose adjustment lines are paid next period.
Only one run at a time: a second one stops with the name of the lock holder.
Examples:
  sunshare payout run --date 2017-06-30
  sunshare payout run --from 2017-01-01 --to 2017-12-31 --ledger postgres://finance@db/ledger`,
    )
    .action(async (o: { date?: string; from?: string; to?: string; site?: string[]; ledger?: string; failOnMissing?: boolean }) => (await import('./commands.ts')).runCommand(o));

  payout
    .command('report')
    .description('Monthly payout report: per household, per site, company summary, village notice (公示) and statements')
    .requiredOption('--month <YYYY-MM>', 'the payout month')
    .option('--format <xlsx|csv|pdf>', `${FORMAT_HELP}, or pdf (the printable A4 公示, one file per village)`)
    .option('--site <id>', 'only this site')
    .option('--village <name>', 'only sites in this village (the 公示 of that village)')
    .option('--out <dir>', 'directory to write into', '.')
    .option('--ledger <url>', LEDGER_HELP)
    .action(async (o: { month: string; format?: string; site?: string; village?: string; out: string; ledger?: string }) => (await import('./report/commands.ts')).reportCommand(o));

  payout
    .command('statement')
    .description("One household's statement for a month: daily amounts, adjustments, deductions, top-up, total")
    .requiredOption('--month <YYYY-MM>', 'the payout month')
    .requiredOption('--household <id>', 'household id')
    .option('--format <xlsx|csv>', FORMAT_HELP)
    .option('--out <dir>', 'directory to write into', '.')
    .option('--ledger <url>', LEDGER_HELP)
    .action(async (o: { month: string; household: string; format?: string; out: string; ledger?: string }) => (await import('./report/commands.ts')).statementCommand(o));

  payout
    .command('reconcile')
    .description("The grid company's meter reads beside our telemetry (revenue meter, else inverters) for each site-day of a month")
    .requiredOption('--month <YYYY-MM>', 'the month')
    .option('--site <id>', 'only this site')
    .option('--format <xlsx|csv>', FORMAT_HELP)
    .option('--out <dir>', 'directory to write into', '.')
    .option('--ledger <url>', LEDGER_HELP)
    .action(async (o: { month: string; site?: string; format?: string; out: string; ledger?: string }) => (await import('./report/commands.ts')).reconcileCommand(o));

  payout
    .command('verify')
    .description('Match a printed report to the ledger: recompute the SHA-256 digest printed on it and compare (exit 65 when the ledger has changed since)')
    .requiredOption('--month <YYYY-MM>', 'the month of the report')
    .requiredOption('--digest <sha256>', 'the digest printed on the report (账本摘要)')
    .option('--site <id>', 'the site the report was made for, if any')
    .option('--village <name>', 'the village the report was made for, if any (a printed 公示 names it)')
    .option('--ledger <url>', LEDGER_HELP)
    .action(async (o: { month: string; digest: string; site?: string; village?: string; ledger?: string }) => (await import('./report/commands.ts')).verifyCommand(o));

  payout
    .command('close')
    .description("Close a payout month: freeze every household's statement; later lines for its days are paid in the next open month")
    .requiredOption('--month <YYYY-MM>', 'the month to close (months close in order)')
    .option('--ledger <url>', LEDGER_HELP)
    .action(async (o: { month: string; ledger?: string }) => (await import('./commands.ts')).closeCommand(o));

  payout
    .command('topup')
    .description("Post the year-end top-ups where a site's policy guarantees the minimum (once per household and year)")
    .requiredOption('--year <YYYY>', 'the year to close')
    .option('--dry-run', 'show what would be posted')
    .option('--ledger <url>', LEDGER_HELP)
    .action(async (o: { year: string; dryRun?: boolean; ledger?: string }) => (await import('./commands.ts')).topupCommand(o));

  payout
    .command('schedule')
    .description('Run settlement nightly for yesterday (catching up every missed day on start) until stopped')
    .option('-c, --config <file>', 'YAML/JSON config with the keys at, tz, catchUpFrom, ledger, logLevel; the environment overrides it, flags override both')
    .option('--check', 'validate the config, print it (secrets masked) and exit')
    .option('--at <HH:MM>', 'local time of the nightly run (default 01:30)')
    .option('--tz <zone>', 'IANA time zone of --at and of "yesterday" (default Asia/Shanghai)')
    .option('--catch-up-from <YYYY-MM-DD>', 'first day to settle when the ledger has no finished run yet')
    .option('--ledger <url>', LEDGER_HELP)
    .option('--log-level <level>', 'trace, debug, info, warn or error (default: $LOG_LEVEL or info)')
    .action(async (_o: unknown, cmd: Command) => (await import('./commands.ts')).scheduleCommand(cmd));

  registerBank(payout);

  const registry = program.command('registry').description('Sites, devices, households, allocations, tariffs and policies: import, export, list');

  registry
    .command('import')
    .description('Import registry files: CSV named after their kind (sites.csv, households.csv, ...) or one XLSX with a sheet per kind')
    .argument('<files...>', 'CSV or XLSX files')
    .option('--kind <kind>', 'treat every file as this kind: sites, devices, households, allocations, tariffs or policies')
    .option('--ledger <url>', LEDGER_HELP)
    .addHelpText(
      'after',
      `
Columns (one header row):
  sites        id, name, town, village, capacity_kw, time_zone, commissioned_on
  devices      site_id, id, kind (inverter|meter), revenue_meter (yes|no), rated_power_kw, serial
  households   id, name, town, village, id_card, bank_account
  allocations  id, household_id, site_id, share_kw, valid_from, valid_to (empty = open), reason
  tariffs      id (empty: site_id_valid_from), site_id, valid_from, valid_to, grid_yuan_per_kwh, subsidy_yuan_per_kwh
  policies     site_id, annual_target_yuan (3000), guaranteed_minimum (yes|no), maintenance_permille
Every problem in every file (bad cells, duplicate ids, unknown sites or households, overlapping or
overbooked allocations, overlapping tariffs) is listed at once, and nothing is imported until none
remains. Rows are upserted by id. Example files: payout/examples/.`,
    )
    .action(async (files: string[], o: { kind?: string; ledger?: string }) => (await import('./commands.ts')).importCommand(files, o));

  registry
    .command('import-reads')
    .description("Import the grid company's meter reads (CSV or XLSX: site_id, date, export_kwh; the old column name site is still read): the billing truth for settlement")
    .argument('<file>', 'CSV or XLSX file')
    .option('--ledger <url>', LEDGER_HELP)
    .action(async (file: string, o: { ledger?: string }) => (await import('./commands.ts')).importReadsCommand(file, o));

  registry
    .command('export')
    .description('Export the registry in the import format; ID card and bank account numbers masked unless --finance')
    .option('--format <csv|xlsx>', 'csv (one file per kind) or xlsx', 'xlsx')
    .option('--out <dir>', 'directory to write into', '.')
    .option('--finance <who>', 'unmasked export for finance staff, recorded in the ledger under this name')
    .option('--ledger <url>', LEDGER_HELP)
    .action(async (o: { format: string; out: string; finance?: string; ledger?: string }) => (await import('./commands.ts')).exportCommand(o));

  registry
    .command('list')
    .description('List sites, households (masked) or allocations')
    .argument('<what>', 'sites, households or allocations')
    .option('--site <id>', 'allocations of this site')
    .option('--village <name>', 'households of this village')
    .option('--ledger <url>', LEDGER_HELP)
    .action(async (what: string, o: { site?: string; village?: string; ledger?: string }) => (await import('./commands.ts')).listCommand(what, o));
}

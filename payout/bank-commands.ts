import type { Command } from 'commander';

const LEDGER_HELP = 'ledger: a SQLite file or postgres:// URL (default: $DATABASE_URL or data/ledger.sqlite)';
const BY_HELP = 'who does this (recorded in the month\'s steps / the export audit)';
const load = () => import('./payments/commands.ts');

/** `sunshare payout ...` for receipts, the month's workflow and bank payments (docs/payments.md). */
export function registerBank(payout: Command): void {
  payout
    .command('receipts')
    .description("Import the grid company's statements and subsidy disbursements and reconcile each against what accrued, to the fen")
    .argument('<files...>', 'CSV or XLSX: kind (grid|subsidy), site (empty = a subsidy batch), period_from, period_to, kwh, amount_yuan, reference, received_on')
    .option('--ledger <url>', LEDGER_HELP)
    .action(async (files: string[], o: { ledger?: string }) => (await load()).receiptsCommand(files, o));

  payout
    .command('receipt-checks')
    .description('Receipts beside what accrued, to the fen: the difference per site and month and the rule that settled it')
    .option('--site <id>', 'only this site')
    .option('--from <YYYY-MM>', 'first month')
    .option('--to <YYYY-MM>', 'last month')
    .option('--ledger <url>', LEDGER_HELP)
    .action(async (o: { site?: string; from?: string; to?: string; ledger?: string }) => (await load()).receiptChecksCommand(o));

  payout
    .command('policy')
    .description("Set a site's payout policy: accrual (the company advances) or receipt (paid when the money arrives), and its payer account")
    .requiredOption('--site <id>', 'the site')
    .requiredOption('--policy <accrual|receipt>', 'the policy')
    .requiredOption('--payer <account>', 'the company account the site\'s beneficiaries are paid from')
    .requiredOption('--by <name>', BY_HELP)
    .option('--ledger <url>', LEDGER_HELP)
    .action(async (o: { site: string; policy: string; payer: string; by: string; ledger?: string }) => (await load()).policyCommand(o));

  payout
    .command('collective')
    .description('Mark a registry household as a village collective (村集体): same split, its own account, reported apart')
    .requiredOption('--household <id>', 'the registry household holding the collective\'s name and account')
    .requiredOption('--village <name>', 'its village')
    .option('--ledger <url>', LEDGER_HELP)
    .action(async (o: { household: string; village: string; ledger?: string }) => (await load()).collectiveCommand(o));

  payout
    .command('month')
    .description('The month\'s workflow: draft -> post (公示) -> approve (a second person) -> pay (the batch); status shows where it is')
    .argument('<step>', 'draft, post, approve, pay or status')
    .requiredOption('--month <YYYY-MM>', 'the payout month')
    .option('--by <name>', BY_HELP)
    .option('--days <n>', 'post: the 公示 period in days', '7')
    .option('--out <dir>', 'post: where to write the printable notice', '.')
    .option('--ledger <url>', LEDGER_HELP)
    .action(async (step: string, o: { month: string; by?: string; days: string; out: string; ledger?: string }) => (await load()).monthCommand(step, o));

  payout
    .command('payment-file')
    .description("Write a paid month's bank batch-transfer file for one payer account (full account numbers: audited)")
    .requiredOption('--month <YYYY-MM>', 'the payout month')
    .requiredOption('--by <name>', BY_HELP)
    .option('--payer <account>', 'the payer account', 'default')
    .option('--format <csv|xlsx>', 'csv or xlsx', 'csv')
    .option('--template <name|file>', 'a built-in template (payout/payments/templates/) or a YAML file', 'generic')
    .option('--out <dir>', 'directory to write into', '.')
    .option('--ledger <url>', LEDGER_HELP)
    .action(async (o: { month: string; by: string; payer: string; format: string; template: string; out: string; ledger?: string }) => (await load()).paymentFileCommand(o));

  payout
    .command('results')
    .description("Import the bank's result file: each payment paid, or returned with its reason (carried to the next month)")
    .argument('<file>', 'CSV or XLSX as the template\'s results section describes')
    .requiredOption('--by <name>', BY_HELP)
    .option('--template <name|file>', 'the template the file was made with', 'generic')
    .option('--ledger <url>', LEDGER_HELP)
    .action(async (file: string, o: { by: string; template: string; ledger?: string }) => (await load()).resultsCommand(file, o));

  payout
    .command('figures')
    .description('Accrued, received, advanced, paid, held and owed at the end of a month: households, collectives and the company apart')
    .requiredOption('--month <YYYY-MM>', 'the month')
    .option('--household <id>', 'one household\'s statement of payments (accounts masked)')
    .option('--out <dir>', 'also write the report: a summary and households, collectives and the company each in a table (with --household: its statement of payments)')
    .option('--format <csv|xlsx>', 'with --out: csv or xlsx', 'xlsx')
    .option('--ledger <url>', LEDGER_HELP)
    .action(async (o: { month: string; household?: string; out?: string; format?: string; ledger?: string }) => (await load()).figuresCommand(o));

  payout
    .command('held')
    .description('Payments held (no valid account) or returned and not yet paid again, accounts masked')
    .option('--ledger <url>', LEDGER_HELP)
    .action(async (o: { ledger?: string }) => (await load()).heldCommand(o));
}

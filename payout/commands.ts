import { Type, type Static } from '@sinclair/typebox';
import type { Command } from 'commander';
import { DEFAULT_TIME_ZONE, isDate, LogLevel, runService, type ConfigSpec } from '../common/index.ts';
import { userInfo } from 'node:os';
import { createLedger, describeLedger, openLedger, ledgerUrl } from '../common/ledger/index.ts';
import { SunshareError } from '../common/errors.ts';
import { createLogger } from '../common/log.ts';
import { formatYuan } from './money/revenue.ts';
import { closeMonth } from './period/close.ts';
import { computeTopups, postTopups } from './period/topup.ts';
import { KINDS, type Kind } from './registry/kinds.ts';
import { exportRegistry } from './registry/export.ts';
import { importRegistry } from './registry/import.ts';
import { importMeterReads } from './registry/meter-reads.ts';
import { listAllocations, listHouseholds, listSites } from './registry/queries.ts';
import { startScheduler } from './scheduler.ts';
import { describeGaps } from './settle/gaps.ts';
import { runSettlement } from './settle/run.ts';
import { withLedger, writeFiles } from './command-io.ts';

/** The CLI's actions (loaded only when a payout or registry command runs). */
/** `sunshare ledger create`: the one step that makes a ledger (every other command refuses a missing one). */
export async function createLedgerCommand(o: { ledger?: string; existsOk?: boolean }): Promise<void> {
  const url = ledgerUrl(o.ledger);
  const { created, applied } = await createLedger(url, { existsOk: o.existsOk });
  console.log(`${created ? 'created ledger' : 'ledger already there:'} ${describeLedger(url)} (${applied.length} migrations applied)`);
}

function format(v: string): 'csv' | 'xlsx' {
  if (v !== 'csv' && v !== 'xlsx') throw new SunshareError('OPTION_INVALID', `--format must be csv or xlsx, got "${v}"`);
  return v;
}

export async function runCommand(o: { date?: string; from?: string; to?: string; site?: string[]; ledger?: string; failOnMissing?: boolean }): Promise<void> {
  const from = o.date ?? o.from;
  const to = o.date ?? o.to ?? o.from;
  if (!from || !to || (o.date && (o.from || o.to))) throw new SunshareError('OPTION_INVALID', 'give either --date D or --from D1 [--to D2]');
  const r = await withLedger(o.ledger, async (db) => {
    if (!(await db.q.selectFrom('sites').select('id').limit(1).executeTakeFirst())) {
      throw new SunshareError('REGISTRY_EMPTY', `ledger ${describeLedger(ledgerUrl(o.ledger))} has no sites: nothing to settle`);
    }
    return runSettlement(db, { from, to, sites: o.site });
  });
  console.log(`settled ${r.from}..${r.to}: ${r.posted} posted, ${r.adjusted} adjusted (new versions), ${r.unchanged} unchanged, ${r.lines} lines (run ${r.runId})`);
  const missing = r.gaps.filter((g) => g.kind === 'missing').length;
  if (r.gaps.length > 0 || r.notEnded.length > 0) {
    console.log(`缺数据 ${missing} 个站点日，数据不全 ${r.gaps.length - missing} 个 / site-days with missing data: ${missing}, with partial data: ${r.gaps.length - missing}`);
    for (const l of describeGaps(r.gaps, r.notEnded)) console.log(`  ${l}`);
  }
  if (r.skipped.length > 0) {
    throw new SunshareError('PAYOUT_SKIPPED', `${r.skipped.length} site-day(s) could not be settled; fix the registry and run again`, { details: r.skipped });
  }
  if (o.failOnMissing && r.gaps.length > 0) {
    throw new SunshareError('PAYOUT_DATA_MISSING', `${r.gaps.length} site-day(s) settled with missing (${missing}) or partial (${r.gaps.length - missing}) data (listed above); what was settled is kept`);
  }
}

export async function closeCommand(o: { month: string; ledger?: string }): Promise<void> {
  const r = await withLedger(o.ledger, (db) => closeMonth(db, o.month));
  console.log(r.already ? `${o.month} was already closed; nothing changed` : `${o.month} closed: ${r.statements} household statements frozen`);
}

export async function topupCommand(o: { year: string; dryRun?: boolean; ledger?: string }): Promise<void> {
  if (!/^\d{4}$/.test(o.year)) throw new SunshareError('OPTION_INVALID', `--year must be YYYY, got "${o.year}"`);
  await withLedger(o.ledger, async (db) => {
    const year = Number(o.year);
    if (o.dryRun) {
      for (const t of await computeTopups(db, year)) console.log(`${t.site_id} ${t.household_id}: target ${formatYuan(t.target_fen)}, earned ${formatYuan(t.earned_fen)}, top-up ${formatYuan(t.amount_fen)}`);
      return;
    }
    const r = await postTopups(db, year);
    console.log(`${r.posted} top-ups posted for ${year} (${r.already} already posted), total ${formatYuan(r.topups.reduce((a, t) => a + t.amount_fen, 0))} yuan`);
  });
}

/** `payout schedule`: the one service of payout; its config (file, DATABASE_URL/LOG_LEVEL, flags) is validated once. */
const ScheduleConfig = Type.Object(
  {
    at: Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$', default: '01:30', description: 'local time of the nightly run, HH:MM' }),
    tz: Type.String({ minLength: 1, default: DEFAULT_TIME_ZONE, description: 'IANA time zone of `at` and of "yesterday"' }),
    catchUpFrom: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'first day to settle when the ledger has no finished run yet' })),
    ledger: Type.Optional(Type.String({ minLength: 1 })),
    logLevel: Type.Optional(LogLevel),
  },
  { additionalProperties: false },
);
export const SCHEDULE_CONFIG = {
  name: 'payout schedule options',
  schema: ScheduleConfig,
  flags: { at: '/at', tz: '/tz', catchUpFrom: '/catchUpFrom', ledger: '/ledger', logLevel: '/logLevel' },
  env: { DATABASE_URL: '/ledger', LOG_LEVEL: '/logLevel' },
  check: (c: Static<typeof ScheduleConfig>) => (c.catchUpFrom && !isDate(c.catchUpFrom) ? [`/catchUpFrom: not a date: ${c.catchUpFrom}`] : []),
} satisfies ConfigSpec<typeof ScheduleConfig>;

export async function scheduleCommand(cmd: Command): Promise<void> {
  await runService(cmd, SCHEDULE_CONFIG, async (c) => {
    const db = await openLedger(ledgerUrl(c.ledger), { mustExist: true });
    const s = startScheduler(db, { at: c.at, timeZone: c.tz, catchUpFrom: c.catchUpFrom, log: createLogger('payout', c.logLevel) });
    return { stop: () => s.stop().then(() => db.close()) };
  });
}

export async function importCommand(files: string[], o: { kind?: string; ledger?: string }): Promise<void> {
  if (o.kind && !KINDS.includes(o.kind as Kind)) throw new SunshareError('OPTION_INVALID', `--kind must be one of ${KINDS.join(', ')}, got "${o.kind}"`);
  const counts = await withLedger(o.ledger, (db) => importRegistry(db, files, { kind: o.kind as Kind | undefined }));
  console.log(`imported: ${Object.entries(counts).map(([k, n]) => `${n} ${k}`).join(', ')}`);
}

export async function importReadsCommand(file: string, o: { ledger?: string }): Promise<void> {
  const r = await withLedger(o.ledger, (db) => importMeterReads(db, file, { onNote: (note) => console.warn(`note: ${note}`) }));
  console.log(`meter reads: ${r.inserted} new or corrected, ${r.unchanged} unchanged; run "sunshare payout run" for the days they cover`);
}

export async function exportCommand(o: { format: string; out: string; finance?: string; ledger?: string }): Promise<void> {
  const by = o.finance ? `${o.finance} (${userInfo().username})` : undefined;
  writeFiles(o.out, await withLedger(o.ledger, (db) => exportRegistry(db, format(o.format), by ? { finance: { by } } : {})));
}

export async function listCommand(what: string, o: { site?: string; village?: string; ledger?: string }): Promise<void> {
  await withLedger(o.ledger, async (db) => {
    if (what === 'sites') console.table(await listSites(db));
    else if (what === 'households') console.table(await listHouseholds(db, { village: o.village }));
    else if (what === 'allocations') console.table(await listAllocations(db, { site: o.site }));
    else throw new SunshareError('OPTION_INVALID', `list what? sites, households or allocations, not "${what}"`);
  });
}

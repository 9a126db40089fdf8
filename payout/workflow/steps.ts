import type { Db } from '../../common/ledger/index.ts';
import { SunshareError } from '../../common/errors.ts';
import { isMonth } from '../../common/index.ts';

/** The month's workflow, in order. 'done' = every payment has its bank result (paid or returned) or is held. */
export const STEPS = ['draft', 'posted', 'approved', 'batch', 'done'] as const;
export type Step = (typeof STEPS)[number];
export type MonthState = 'open' | Step;

export interface StepRow { month: string; seq: number; step: Step; at: string; actor: string; actor_id: string; details: Record<string, unknown> }
/** Who does a step: a name (the CLI's --by, the API's token name) and, through the API, the token id. */
export interface Actor { name: string; id?: string }

export function checkMonth(month: string): void {
  if (!isMonth(month)) throw new SunshareError('PAYOUT_BAD_MONTH', `--month must be YYYY-MM, got "${month}"`);
}

export async function monthSteps(db: Db, month: string): Promise<StepRow[]> {
  const rows = await db.q.selectFrom('payout_month_steps').selectAll().where('month', '=', month).orderBy('seq').execute();
  return rows.map((r) => ({ ...r, step: r.step as Step, details: JSON.parse(r.details) as Record<string, unknown> }));
}

export const stateOf = (steps: readonly StepRow[]): MonthState => steps.at(-1)?.step ?? 'open';

/** Records a step. The unique index on (month, step) for approved, batch and done makes a second concurrent one fail here. */
export async function recordStep(db: Db, month: string, step: Step, actor: Actor, details: Record<string, unknown>, now = new Date()): Promise<StepRow> {
  const steps = await monthSteps(db, month);
  const row = { month, seq: (steps.at(-1)?.seq ?? 0) + 1, step, at: now.toISOString(), actor: actor.name, actor_id: actor.id ?? '', details: JSON.stringify(details) };
  await db.q.insertInto('payout_month_steps').values(row).execute();
  return { ...row, details };
}

export function refuse(month: string, state: MonthState, wanted: string): never {
  throw new SunshareError('MONTH_STEP_REFUSED', `${month} is ${state}: ${wanted}`);
}

/** A unique-constraint failure on either dialect (a concurrent attempt got there first). */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return e?.code === '23505' || (typeof e?.code === 'string' && e.code.startsWith('SQLITE_CONSTRAINT')) || /UNIQUE constraint failed/.test(e?.message ?? '');
}

/** The latest months that have workflow steps, newest first, each with its state and steps. */
export async function recentMonths(db: Db, limit = 12): Promise<{ month: string; state: MonthState; steps: StepRow[] }[]> {
  const months = await db.q.selectFrom('payout_month_steps').select('month').distinct().orderBy('month', 'desc').limit(limit).execute();
  const out = [];
  for (const { month } of months) {
    const steps = await monthSteps(db, month);
    out.push({ month, state: stateOf(steps), steps });
  }
  return out;
}

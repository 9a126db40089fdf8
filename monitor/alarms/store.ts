import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { AlarmsTable, Db } from '../../common/ledger/index.ts';
import { SunshareError } from '../../common/errors.ts';
import type { Condition, Severity } from '../detect/condition.ts';

/** An alarm as stored (the only writer of the `alarms` table). */
export interface Alarm {
  id: string;
  key: string;
  kind: string;
  severity: Severity;
  site: string;
  device: string | null;
  gateway: string | null;
  message: string;
  details: Record<string, unknown>;
  stopsGeneration: boolean;
  raisedAt: number;
  acknowledgedAt: number | null;
  acknowledgedBy: string | null;
  clearedAt: number | null;
  lostWh: number;
  lostFen: number;
  householdsFen: number;
  companyFen: number;
  households: number;
}

export interface Loss {
  lostWh: number;
  lostFen: number;
  householdsFen: number;
  companyFen: number;
  households: number;
}

type Row = Selectable<AlarmsTable>;

function toAlarm(r: Row): Alarm {
  return {
    id: r.id,
    key: r.alarm_key,
    kind: r.kind,
    severity: r.severity as Severity,
    site: r.site_id,
    device: r.device_id,
    gateway: r.gateway_id,
    message: r.message,
    details: JSON.parse(r.details) as Record<string, unknown>,
    stopsGeneration: r.stops_generation === 1,
    raisedAt: Number(r.raised_at),
    acknowledgedAt: r.acknowledged_at === null ? null : Number(r.acknowledged_at),
    acknowledgedBy: r.acknowledged_by,
    clearedAt: r.cleared_at === null ? null : Number(r.cleared_at),
    lostWh: Number(r.lost_wh),
    lostFen: Number(r.lost_fen),
    householdsFen: Number(r.households_fen),
    companyFen: Number(r.company_fen),
    households: Number(r.households),
  };
}

export async function openAlarms(db: Db): Promise<Alarm[]> {
  return (await db.q.selectFrom('alarms').selectAll().where('cleared_at', 'is', null).orderBy('raised_at').execute()).map(toAlarm);
}

export interface AlarmQuery {
  status?: 'open' | 'cleared' | 'all';
  site?: string;
  from?: number;
  to?: number;
  limit?: number;
  offset?: number;
}

export async function listAlarms(db: Db, q: AlarmQuery = {}): Promise<{ items: Alarm[]; total: number }> {
  let b = db.q.selectFrom('alarms');
  if (q.status === 'open') b = b.where('cleared_at', 'is', null);
  if (q.status === 'cleared') b = b.where('cleared_at', 'is not', null);
  if (q.site !== undefined) b = b.where('site_id', '=', q.site);
  if (q.from !== undefined) b = b.where('raised_at', '>=', q.from);
  if (q.to !== undefined) b = b.where('raised_at', '<', q.to);
  const total = Number((await b.select((e) => e.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  const rows = await b
    .selectAll()
    .orderBy('raised_at', 'desc')
    .orderBy('id')
    .limit(q.limit ?? 100)
    .offset(q.offset ?? 0)
    .execute();
  return { items: rows.map(toAlarm), total };
}

export async function getAlarm(db: Db, id: string): Promise<Alarm | undefined> {
  const r = await db.q.selectFrom('alarms').selectAll().where('id', '=', id).executeTakeFirst();
  return r ? toAlarm(r) : undefined;
}

export async function raiseAlarm(db: Db, c: Condition, at: number): Promise<Alarm> {
  const id = randomUUID();
  await db.q
    .insertInto('alarms')
    .values({
      id,
      alarm_key: c.key,
      kind: c.kind,
      severity: c.severity,
      site_id: c.site,
      device_id: c.device ?? null,
      gateway_id: c.gateway ?? null,
      message: c.message,
      details: JSON.stringify(c.details),
      stops_generation: c.stopsGeneration ? 1 : 0,
      raised_at: at,
    })
    .execute();
  return (await getAlarm(db, id))!;
}

export async function clearAlarm(db: Db, id: string, at: number): Promise<void> {
  await db.q.updateTable('alarms').set({ cleared_at: at }).where('id', '=', id).where('cleared_at', 'is', null).execute();
}

export async function recordLoss(db: Db, id: string, loss: Loss): Promise<void> {
  await db.q
    .updateTable('alarms')
    .set({ lost_wh: Math.round(loss.lostWh), lost_fen: loss.lostFen, households_fen: loss.householdsFen, company_fen: loss.companyFen, households: loss.households })
    .where('id', '=', id)
    .execute();
}

/**
 * An operator takes responsibility for an alarm: who and when. Once only (the
 * first acknowledgement stands); an unknown id is MONITOR_ALARM_NOT_FOUND.
 */
export async function acknowledgeAlarm(db: Db, id: string, by: string, at = Date.now()): Promise<Alarm> {
  await db.q.updateTable('alarms').set({ acknowledged_at: at, acknowledged_by: by }).where('id', '=', id).where('acknowledged_at', 'is', null).execute();
  const alarm = await getAlarm(db, id);
  if (!alarm) throw new SunshareError('MONITOR_ALARM_NOT_FOUND', `no alarm with id ${id}`);
  return alarm;
}

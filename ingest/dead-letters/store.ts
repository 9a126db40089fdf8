import { createHash } from 'node:crypto';
import type { Db } from '../../common/ledger/index.ts';
import type { DeadLetter } from '../message.ts';

/**
 * The ledger's dead letters (migration 102): this module is the one writer of
 * `dead_letters` and `dead_letter_replays` (common/ledger/README.md).
 */

export interface DeadLetterRow {
  id: string;
  receivedAt: number;
  reason: string;
  topic: string;
  site: string | null;
  gateway: string | null;
  payload: Buffer;
  payloadBytes: number;
  truncated: boolean;
  error: string;
}

export interface DeadLetterFilter {
  ids?: string[];
  reason?: string;
  site?: string;
  /** epoch ms: received at or after */
  since?: number;
  limit?: number;
  offset?: number;
}

export interface ReplayState {
  attempt: number;
  requestedAt: number;
  requestedBy: string;
  doneAt: number | null;
  outcome: string | null;
  detail: string;
}

export type ListedDeadLetter = DeadLetterRow & { replays: ReplayState[] };

const letterId = (reason: string, topic: string, payload: Buffer): string =>
  createHash('sha256').update(reason).update('\0').update(topic).update('\0').update(payload).digest('hex').slice(0, 32);

/**
 * The rows to store for one message's dead letters: one per reason (the
 * readings refused for the same reason share a row), each with the whole
 * payload, so a replay sees the message exactly as it came.
 */
export function letterRows(topic: string, payload: Buffer, receivedAt: number, dead: readonly DeadLetter[], maxPayloadBytes: number): DeadLetterRow[] {
  const byReason = new Map<string, DeadLetter[]>();
  for (const d of dead) byReason.set(d.reason, [...(byReason.get(d.reason) ?? []), d]);
  const truncated = payload.length > maxPayloadBytes;
  const kept = truncated ? payload.subarray(0, maxPayloadBytes) : payload;
  return [...byReason].map(([reason, list]) => ({
    id: letterId(reason, topic, payload),
    receivedAt,
    reason,
    topic,
    site: list[0]!.site ?? null,
    gateway: list[0]!.gateway ?? null,
    payload: kept,
    payloadBytes: payload.length,
    truncated,
    error: list.flatMap((d) => d.problems).slice(0, 200).join('\n'),
  }));
}

/** Stores dead letters; one already stored (a redelivered message) is left as it is. */
export async function insertDeadLetters(db: Db, rows: readonly DeadLetterRow[]): Promise<void> {
  for (const r of rows) {
    await db.q
      .insertInto('dead_letters')
      .values({
        id: r.id,
        received_at: r.receivedAt,
        reason: r.reason,
        topic: r.topic,
        site_id: r.site,
        gateway_id: r.gateway,
        payload_base64: r.payload.toString('base64'),
        payload_bytes: r.payloadBytes,
        truncated: r.truncated ? 1 : 0,
        error: r.error,
      })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
  }
}

function filtered(db: Db, f: DeadLetterFilter) {
  return db.q
    .selectFrom('dead_letters')
    .$if(f.ids !== undefined, (b) => b.where('id', 'in', f.ids!.length > 0 ? f.ids! : ['']))
    .$if(f.reason !== undefined, (b) => b.where('reason', '=', f.reason!))
    .$if(f.site !== undefined, (b) => b.where('site_id', '=', f.site!))
    .$if(f.since !== undefined, (b) => b.where('received_at', '>=', f.since!));
}

/** Dead letters matching the filter, oldest first, each with its replays; and how many match in all. */
export async function listDeadLetters(db: Db, f: DeadLetterFilter = {}): Promise<{ items: ListedDeadLetter[]; total: number }> {
  const total = Number((await filtered(db, f).select((e) => e.fn.countAll<number>().as('n')).executeTakeFirst())?.n ?? 0);
  const rows = await filtered(db, f)
    .selectAll()
    .orderBy('received_at')
    .orderBy('id')
    .limit(f.limit ?? 100)
    .offset(f.offset ?? 0)
    .execute();
  const ids = rows.map((r) => r.id);
  const replays = ids.length === 0 ? [] : await db.q.selectFrom('dead_letter_replays').selectAll().where('dead_letter_id', 'in', ids).orderBy('attempt').execute();
  return {
    total,
    items: rows.map((r) => ({
      id: r.id,
      receivedAt: r.received_at,
      reason: r.reason,
      topic: r.topic,
      site: r.site_id,
      gateway: r.gateway_id,
      payload: Buffer.from(r.payload_base64, 'base64'),
      payloadBytes: r.payload_bytes,
      truncated: r.truncated === 1,
      error: r.error,
      replays: replays
        .filter((x) => x.dead_letter_id === r.id)
        .map((x) => ({ attempt: x.attempt, requestedAt: x.requested_at, requestedBy: x.requested_by, doneAt: x.done_at, outcome: x.outcome, detail: x.detail })),
    })),
  };
}

export interface ReplayRequestResult {
  /** Letters now queued for replay (attempt number each). */
  requested: { id: string; attempt: number }[];
  /** Letters left alone, with why: already written by a replay, a replay still pending, or truncated. */
  skipped: { id: string; why: 'already_replayed' | 'pending' | 'truncated' }[];
}

/**
 * Queues the matching dead letters for replay by the running ingest (which re-validates each and
 * records the outcome). A letter already written by a replay, or with a replay pending, is skipped.
 */
export async function requestReplays(db: Db, f: DeadLetterFilter, by: string, now = Date.now()): Promise<ReplayRequestResult> {
  return db.transaction(async (tx) => {
    const letters = await filtered(tx, f).select(['id', 'truncated']).orderBy('received_at').orderBy('id').limit(f.limit ?? 10_000).execute();
    const out: ReplayRequestResult = { requested: [], skipped: [] };
    for (const l of letters) {
      const prior = await tx.q.selectFrom('dead_letter_replays').select(['attempt', 'done_at', 'outcome']).where('dead_letter_id', '=', l.id).orderBy('attempt').execute();
      if (l.truncated === 1) out.skipped.push({ id: l.id, why: 'truncated' });
      else if (prior.some((p) => p.outcome === 'written')) out.skipped.push({ id: l.id, why: 'already_replayed' });
      else if (prior.some((p) => p.done_at === null)) out.skipped.push({ id: l.id, why: 'pending' });
      else {
        const attempt = prior.length + 1;
        await tx.q.insertInto('dead_letter_replays').values({ dead_letter_id: l.id, attempt, requested_at: now, requested_by: by }).execute();
        out.requested.push({ id: l.id, attempt });
      }
    }
    return out;
  });
}

export interface PendingReplay {
  id: string;
  attempt: number;
  reason: string;
  topic: string;
  payload: Buffer;
}

/** Replays requested and not yet done, oldest request first. */
export async function pendingReplays(db: Db, limit = 500): Promise<PendingReplay[]> {
  const rows = await db.q
    .selectFrom('dead_letter_replays as r')
    .innerJoin('dead_letters as d', 'd.id', 'r.dead_letter_id')
    .select(['d.id', 'r.attempt', 'd.reason', 'd.topic', 'd.payload_base64'])
    .where('r.done_at', 'is', null)
    .orderBy('r.requested_at')
    .orderBy('d.id')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ id: r.id, attempt: r.attempt, reason: r.reason, topic: r.topic, payload: Buffer.from(r.payload_base64, 'base64') }));
}

/** Records a replay's outcome (in the transaction that wrote what it produced). */
export async function finishReplay(db: Db, id: string, attempt: number, outcome: 'written' | 'dead', detail: string, now = Date.now()): Promise<void> {
  await db.q.updateTable('dead_letter_replays').set({ done_at: now, outcome, detail }).where('dead_letter_id', '=', id).where('attempt', '=', attempt).where('done_at', 'is', null).execute();
}

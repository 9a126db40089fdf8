import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Db } from '../../common/ledger/index.ts';
import { SunshareError } from '../../common/errors.ts';

/**
 * A lock across processes and machines on SQLite and PostgreSQL alike: a row
 * inserted under a unique name. A holder that died on this host is noticed at
 * once (its pid is gone); one on another host lapses at its expiry.
 */
export interface RunLock {
  readonly owner: string;
  release(): Promise<void>;
}

export const SETTLEMENT_LOCK = 'settlement';

export function lockOwner(): string {
  return `${hostname()}:pid ${process.pid}:${randomUUID().slice(0, 8)}`;
}

/** A holder on this host whose process is gone (killed, crashed) left a stale lock. */
function deadLocalHolder(owner: string): boolean {
  const m = /^(.*):pid (\d+):/.exec(owner);
  if (!m || m[1] !== hostname() || Number(m[2]) === process.pid) return false;
  try {
    process.kill(Number(m[2]), 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

export async function acquireLock(db: Db, name = SETTLEMENT_LOCK, ttlMs = 6 * 3600_000, owner = lockOwner()): Promise<RunLock> {
  const now = new Date();
  const taken = await db.transaction(async (tx) => {
    const holder = await tx.q.selectFrom('run_locks').select('owner').where('name', '=', name).executeTakeFirst();
    if (holder && deadLocalHolder(holder.owner)) await tx.q.deleteFrom('run_locks').where('name', '=', name).where('owner', '=', holder.owner).execute();
    await tx.q.deleteFrom('run_locks').where('name', '=', name).where('expires_at', '<', now.toISOString()).execute();
    const r = await tx.q
      .insertInto('run_locks')
      .values({ name, owner, acquired_at: now.toISOString(), expires_at: new Date(now.getTime() + ttlMs).toISOString() })
      .onConflict((oc) => oc.column('name').doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
  });
  if (!taken) {
    const holder = await db.q.selectFrom('run_locks').select(['owner', 'acquired_at', 'expires_at']).where('name', '=', name).executeTakeFirst();
    throw new SunshareError(
      'PAYOUT_LOCKED',
      `another ${name} run holds the lock: ${holder?.owner ?? 'unknown'} since ${holder?.acquired_at ?? '?'} (lapses at ${holder?.expires_at ?? '?'}); wait for it to finish`,
      { details: holder ? [`owner: ${holder.owner}`, `acquired_at: ${holder.acquired_at}`, `expires_at: ${holder.expires_at}`] : [] },
    );
  }
  return {
    owner,
    async release() {
      await db.q.deleteFrom('run_locks').where('name', '=', name).where('owner', '=', owner).execute();
    },
  };
}

import type { FastifyRequest } from 'fastify';
import type { Db } from '../common/ledger/index.ts';

/** Records who changed what, and when; append-only. */
export async function audit(db: Db, request: FastifyRequest, action: string, target: string, details: unknown): Promise<void> {
  const owner = request.owner;
  await db.run('INSERT INTO audit_log (at, actor, actor_token, role, action, target, details) VALUES (?, ?, ?, ?, ?, ?, ?)', [
    new Date().toISOString(),
    owner?.name ?? 'anonymous',
    owner?.id ?? '',
    owner?.role ?? '',
    action,
    target,
    JSON.stringify(details ?? {}),
  ]);
}

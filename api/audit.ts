import type { FastifyRequest } from 'fastify';
import type { Db } from '../common/ledger/index.ts';

/** Records who changed what, and when; append-only. */
export async function audit(db: Db, request: FastifyRequest, action: string, target: string, details: unknown): Promise<void> {
  const owner = request.owner;
  await db.q
    .insertInto('audit_log')
    .values({
      at: new Date().toISOString(),
      actor: owner?.name ?? 'anonymous',
      actor_token: owner?.id ?? '',
      role: owner?.role ?? '',
      action,
      target,
      details: JSON.stringify(details ?? {}),
    })
    .execute();
}

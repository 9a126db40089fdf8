import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.ts';
import { Where, pageOf } from '../query.ts';
import { Page, Pagination, authErrors } from '../schemas.ts';

const AuditEntry = Type.Object({
  at: Type.String(),
  actor: Type.String(),
  role: Type.String(),
  action: Type.String(),
  target: Type.String(),
  details: Type.String({ description: 'JSON' }),
});
const AuditQuery = Type.Object({ ...Pagination, actor: Type.Optional(Type.String()), action: Type.Optional(Type.String()) });

export function auditRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get<{ Querystring: Static<typeof AuditQuery> }>(
    '/audit',
    { config: { permission: 'registry' }, schema: { tags: ['registry'], summary: 'Audit log: who changed what, when (admin)', querystring: AuditQuery, response: { 200: Page(AuditEntry), ...authErrors } } },
    async (req) =>
      pageOf(ctx.db, 'at, actor, role, action, target, details', 'audit_log', new Where().add('actor = ?', req.query.actor).add('action = ?', req.query.action), 'at DESC', req.query),
  );
}

import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.ts';
import { given, pageOf } from '../query.ts';
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
      pageOf(
        ctx.db.q
          .selectFrom('audit_log')
          .select(['at', 'actor', 'role', 'action', 'target', 'details'])
          .$if(given(req.query.actor), (b) => b.where('actor', '=', req.query.actor!))
          .$if(given(req.query.action), (b) => b.where('action', '=', req.query.action!))
          .orderBy('at', 'desc'),
        req.query,
      ),
  );
}

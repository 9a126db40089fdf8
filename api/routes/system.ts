import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { ApiContext } from '../context.ts';

const startedAt = Date.now();

export function systemRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get(
    '/health',
    {
      schema: {
        tags: ['system'],
        security: [],
        summary: 'Liveness and readiness: the ledger answers, and when the live feed last heard from a gateway',
        response: {
          200: Type.Object({ status: Type.Literal('ok'), ledger: Type.String(), uptimeS: Type.Integer(), sitesSeen: Type.Integer(), lastMessageAt: Type.Optional(Type.Integer()) }),
          503: Type.Object({ status: Type.Literal('failing'), ledger: Type.String(), reason: Type.String() }),
        },
      },
    },
    async (_req, reply) => {
      try {
        await sql`SELECT 1`.execute(ctx.db.q);
      } catch (err) {
        return reply.status(503).send({ status: 'failing', ledger: ctx.db.dialect, reason: `ledger does not answer: ${(err as Error).message}` });
      }
      return {
        status: 'ok',
        ledger: ctx.db.dialect,
        uptimeS: Math.round((Date.now() - startedAt) / 1000),
        sitesSeen: ctx.live.siteIds().length,
        lastMessageAt: ctx.live.lastMessageAt,
      };
    },
  );

  app.get('/metrics', { schema: { tags: ['system'], security: [], summary: 'Prometheus metrics (text exposition format)' } }, async (_req, reply) => {
    ctx.metrics.sitesOnline.set(ctx.live.siteIds().filter((s) => ctx.live.site(s).online).length);
    reply.header('content-type', ctx.metrics.registry.contentType);
    return ctx.metrics.registry.metrics();
  });
}

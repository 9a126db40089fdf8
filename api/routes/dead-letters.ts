import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { listDeadLetters, requestReplays, type DeadLetterFilter } from '../../ingest/index.ts';
import { SunshareError } from '../../common/errors.ts';
import { audit } from '../audit.ts';
import type { ApiContext } from '../context.ts';
import { IdParam, Page, Pagination, authErrors } from '../schemas.ts';

const REASONS = ['bad_topic', 'not_json', 'wrong_schema', 'invalid', 'topic_mismatch', 'unknown_site', 'unknown_device', 'absurd_time', 'internal'] as const;
const Reason = Type.Union(REASONS.map((r) => Type.Literal(r)));
const LetterId = Type.String({ pattern: '^[0-9a-f]{32}$' });
const Since = Type.String({ format: 'date-time', description: 'received at or after this instant (ISO 8601)' });

const Replay = Type.Object({
  attempt: Type.Integer(),
  requestedAt: Type.Integer(),
  requestedBy: Type.String(),
  doneAt: Type.Union([Type.Integer(), Type.Null()]),
  outcome: Type.Union([Type.String(), Type.Null()], { description: 'written, dead (refused again: detail says why), or null while pending' }),
  detail: Type.String(),
});
const DeadLetter = Type.Object({
  id: Type.String(),
  receivedAt: Type.Integer({ description: 'epoch ms' }),
  reason: Type.String(),
  topic: Type.String(),
  site: Type.Union([Type.String(), Type.Null()]),
  gateway: Type.Union([Type.String(), Type.Null()]),
  error: Type.String({ description: 'every problem, `path: message`, one per line' }),
  payloadBytes: Type.Integer(),
  truncated: Type.Boolean(),
  payloadBase64: Type.Optional(Type.String({ description: 'the payload exactly as received (with ?payload=true)' })),
  replays: Type.Array(Replay),
});

const ListQuery = Type.Object({
  ...Pagination,
  reason: Type.Optional(Reason),
  site: Type.Optional(IdParam),
  since: Type.Optional(Since),
  id: Type.Optional(LetterId),
  payload: Type.Optional(Type.Boolean({ description: 'include each payload (base64)' })),
});

const ReplayBody = Type.Object(
  {
    ids: Type.Optional(Type.Array(LetterId, { minItems: 1, maxItems: 1000 })),
    reason: Type.Optional(Reason),
    site: Type.Optional(IdParam),
    since: Type.Optional(Since),
    all: Type.Optional(Type.Boolean({ description: 'every letter not yet replayed successfully (without a filter, this must be true)' })),
  },
  { additionalProperties: false },
);
const ReplayResult = Type.Object({
  requested: Type.Array(Type.Object({ id: Type.String(), attempt: Type.Integer() })),
  skipped: Type.Array(Type.Object({ id: Type.String(), why: Type.String({ description: 'already_replayed, pending or truncated' }) })),
});

const filterOf = (q: { ids?: string[]; reason?: string; site?: string; since?: string }): DeadLetterFilter => ({
  ...(q.ids ? { ids: q.ids } : {}),
  ...(q.reason ? { reason: q.reason } : {}),
  ...(q.site ? { site: q.site } : {}),
  ...(q.since ? { since: Date.parse(q.since) } : {}),
});

/** Dead letters kept by ingest (ledger `dead_letters`): list and replay (operator). */
export function deadLetterRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '/dead-letters',
    {
      config: { permission: 'operate' },
      schema: { tags: ['devices'], summary: 'Messages ingest refused, oldest first, with their replays (operator)', querystring: ListQuery, response: { 200: Page(DeadLetter), ...authErrors } },
    },
    async (req) => {
      const { limit, offset, id, payload, ...rest } = req.query;
      const { items, total } = await listDeadLetters(ctx.db, { ...filterOf({ ...rest, ...(id ? { ids: [id] } : {}) }), limit, offset });
      return {
        items: items.map(({ payload: bytes, ...l }) => ({ ...l, ...(payload ? { payloadBase64: bytes.toString('base64') } : {}) })),
        total,
        limit,
        offset,
      };
    },
  );

  app.post<{ Body: Static<typeof ReplayBody> }>(
    '/dead-letters/replay',
    {
      config: { permission: 'operate' },
      schema: {
        tags: ['devices'],
        summary: 'Queue dead letters for the running ingest to validate and write again; a letter written by a replay is not replayed again (operator; audited)',
        body: ReplayBody,
        response: { 202: ReplayResult, ...authErrors },
      },
    },
    async (req, reply) => {
      const b = req.body;
      if (!b.all && !b.ids && !b.reason && !b.site && !b.since) {
        throw new SunshareError('REQUEST_INVALID', 'say which dead letters to replay: ids, reason, site, since, or all: true', { details: ['body: no filter, and all is not true'] });
      }
      const who = req.owner?.name ?? 'api';
      const result = await ctx.db.transaction(async (tx) => {
        const r = await requestReplays(tx, filterOf(b), `api:${who}`);
        await audit(tx, req, 'dead-letters.replay', '', { filter: b, requested: r.requested.length, skipped: r.skipped.length });
        return r;
      });
      return reply.status(202).send(result);
    },
  );
}

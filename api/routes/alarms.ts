import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { acknowledgeAlarm, describeLoss, getAlarm, listAlarms, monthlyLosses, type Alarm } from '../../monitor/index.ts';
import { audit } from '../audit.ts';
import type { ApiContext } from '../context.ts';
import { ErrorResponse, IdParam, Page, Pagination, authErrors } from '../schemas.ts';

const AlarmView = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  severity: Type.String(),
  site: Type.String(),
  device: Type.Optional(Type.String()),
  gateway: Type.Optional(Type.String()),
  message: Type.String(),
  details: Type.Record(Type.String(), Type.Unknown()),
  stopsGeneration: Type.Boolean(),
  raisedAt: Type.Integer({ description: 'epoch ms (the data clock: simulated in the demo)' }),
  acknowledgedAt: Type.Optional(Type.Integer()),
  acknowledgedBy: Type.Optional(Type.String()),
  clearedAt: Type.Optional(Type.Integer()),
  lost: Type.Object({
    wh: Type.Integer({ description: 'expected - actual energy over the span so far' }),
    fen: Type.Integer(),
    householdsFen: Type.Integer(),
    companyFen: Type.Integer(),
    households: Type.Integer(),
    text: Type.String({ description: 'e.g. "12.3 kWh lost: cost the 20 households ¥8.10, ¥0.41 each, and the company ¥2.03"' }),
  }),
});

const AlarmQuery = Type.Object({
  ...Pagination,
  status: Type.Union([Type.Literal('open'), Type.Literal('cleared'), Type.Literal('all')], { default: 'open' }),
  site: Type.Optional(IdParam),
});

function view(a: Alarm): Static<typeof AlarmView> {
  const lost = { lostWh: a.lostWh, lostFen: a.lostFen, householdsFen: a.householdsFen, companyFen: a.companyFen, households: a.households };
  return {
    id: a.id,
    kind: a.kind,
    severity: a.severity,
    site: a.site,
    ...(a.device === null ? {} : { device: a.device }),
    ...(a.gateway === null ? {} : { gateway: a.gateway }),
    message: a.message,
    details: a.details,
    stopsGeneration: a.stopsGeneration,
    raisedAt: a.raisedAt,
    ...(a.acknowledgedAt === null ? {} : { acknowledgedAt: a.acknowledgedAt, acknowledgedBy: a.acknowledgedBy ?? '' }),
    ...(a.clearedAt === null ? {} : { clearedAt: a.clearedAt }),
    lost: { wh: a.lostWh, fen: a.lostFen, householdsFen: a.householdsFen, companyFen: a.companyFen, households: a.households, text: describeLoss(lost) },
  };
}

const SiteMonthLoss = Type.Object({
  site: Type.String(),
  name: Type.String(),
  alarms: Type.Integer({ description: 'alarms that stopped or reduced generation, raised in the month' }),
  lostWh: Type.Integer(),
  lostFen: Type.Integer(),
  householdsFen: Type.Integer(),
  companyFen: Type.Integer(),
});

/** The monitor's alarms (monitor/): anyone who reads may list them; an operator acknowledges. */
export function alarmRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get<{ Querystring: { month: string; site?: string } }>(
    '/alarms/losses',
    {
      config: { permission: 'read' },
      schema: {
        tags: ['alarms'],
        summary: "Monthly site report of lost generation: per site, what its alarms cost in the month, the households' and the company's part",
        querystring: Type.Object({ month: Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])$', description: 'YYYY-MM' }), site: Type.Optional(IdParam) }),
        response: { 200: Type.Object({ month: Type.String(), items: Type.Array(SiteMonthLoss) }), ...authErrors },
      },
    },
    async (req) => ({ month: req.query.month, items: await monthlyLosses(ctx.db, req.query.month, req.query.site) }),
  );

  app.get<{ Querystring: Static<typeof AlarmQuery> }>(
    '/alarms',
    { config: { permission: 'read' }, schema: { tags: ['alarms'], summary: 'Alarms, newest first: open by default, with what each cost in lost generation', querystring: AlarmQuery, response: { 200: Page(AlarmView), ...authErrors } } },
    async (req) => {
      const { items, total } = await listAlarms(ctx.db, { status: req.query.status, site: req.query.site, limit: req.query.limit, offset: req.query.offset });
      return { items: items.map(view), total, limit: req.query.limit, offset: req.query.offset };
    },
  );

  app.post<{ Params: { id: string } }>(
    '/alarms/:id/acknowledge',
    {
      config: { permission: 'operate' },
      schema: {
        tags: ['alarms'],
        summary: 'Acknowledge an alarm: you take it on (operator). The first acknowledgement stands.',
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }),
        response: { 200: AlarmView, 404: ErrorResponse, ...authErrors },
      },
    },
    async (req) => {
      // on the alarms' own clock (the data's, simulated in the demo): the site's newest reading time, when the API has one
      const site = (await getAlarm(ctx.db, req.params.id))?.site;
      const at = (site === undefined ? undefined : ctx.live.site(site).lastReadingAt) ?? Date.now();
      const alarm = await acknowledgeAlarm(ctx.db, req.params.id, req.owner?.name ?? 'unknown', at);
      await audit(ctx.db, req, 'alarm.acknowledge', alarm.id, { by: alarm.acknowledgedBy, kind: alarm.kind, site: alarm.site });
      return view(alarm);
    },
  );
}

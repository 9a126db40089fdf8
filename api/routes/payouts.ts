import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { SunshareError } from '../../common/errors.ts';
import { audit } from '../audit.ts';
import type { ApiContext } from '../context.ts';
import type { PayoutService } from '../payout-service.ts';
import { DEFAULT_REPORT_FORMAT, ledgerProvenance, statementFor, verifyDigest } from '../../payout/index.ts';
import { given, pageOf } from '../query.ts';
import { Day, ErrorResponse, IdParam, Page, Pagination, authErrors } from '../schemas.ts';

const Settlement = Type.Object({
  id: Type.String(),
  site: Type.String(),
  day: Type.String(),
  version: Type.Integer(),
  correctsId: Type.Union([Type.String(), Type.Null()]),
  energyWh: Type.Integer(),
  energySource: Type.String({ description: 'grid_read | revenue_meter | inverters | none' }),
  flags: Type.String(),
  revenueFen: Type.Integer(),
  gridFen: Type.Integer(),
  subsidyFen: Type.Integer(),
  runId: Type.String(),
  postedAt: Type.String(),
});
const SettlementRun = Type.Object({
  id: Type.String(),
  from: Type.String(),
  to: Type.String(),
  startedAt: Type.String(),
  finishedAt: Type.String(),
  posted: Type.Integer(),
  unchanged: Type.Integer(),
  skipped: Type.Integer(),
});
const PayoutRun = Type.Object({
  id: Type.String(),
  state: Type.Union([Type.Literal('running'), Type.Literal('done'), Type.Literal('failed')]),
  from: Type.String(),
  to: Type.String(),
  sites: Type.Optional(Type.Array(Type.String())),
  startedBy: Type.String(),
  startedAt: Type.String(),
  finishedAt: Type.Optional(Type.String()),
  daysTotal: Type.Integer(),
  daysDone: Type.Integer({ description: 'progress: days settled so far' }),
  settlementRunIds: Type.Array(Type.String()),
  result: Type.Optional(
    Type.Object({
      posted: Type.Integer(),
      adjusted: Type.Integer(),
      unchanged: Type.Integer(),
      skipped: Type.Array(Type.String()),
      lines: Type.Integer(),
      data: Type.Array(Type.String(), { description: 'site-days settled with missing or partial data, and days not yet ended (not settled), by site and day in Chinese and English words' }),
    }),
  ),
  error: Type.Optional(Type.Object({ code: Type.String(), message: Type.String() })),
});
const RunBody = Type.Object(
  { from: Day, to: Day, sites: Type.Optional(Type.Array(IdParam, { minItems: 1, maxItems: 1000 })) },
  { additionalProperties: false },
);
const SettlementQuery = Type.Object({ ...Pagination, site: Type.Optional(IdParam), from: Type.Optional(Day), to: Type.Optional(Day) });
const PageOnly = Type.Object(Pagination);
const Month = Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])$', description: 'payout month YYYY-MM' });
const Village = Type.String({ maxLength: 100 });
const ReportQuery = Type.Object({
  month: Month,
  site: Type.Optional(IdParam),
  village: Type.Optional(Village),
  household: Type.Optional(IdParam),
  format: Type.Union([Type.Literal('xlsx'), Type.Literal('csv'), Type.Literal('pdf')], {
    default: DEFAULT_REPORT_FORMAT,
    description: 'xlsx (the default for every report, as on the command line), csv, or pdf (the printable 公示, with village=)',
  }),
});
const DigestQuery = Type.Object({
  month: Month,
  site: Type.Optional(IdParam),
  village: Type.Optional(Village),
  digest: Type.Optional(Type.String({ pattern: '^[0-9a-fA-F]{64}$', description: 'the SHA-256 printed on a report: answers 409 REPORT_DIGEST_MISMATCH when the ledger no longer matches it' })),
});
const Provenance = Type.Object({ month: Type.String(), run: Type.String({ description: 'newest settlement run among the rows used' }), digest: Type.String({ description: 'SHA-256 of the ledger rows used' }), rows: Type.Integer(), matches: Type.Optional(Type.Boolean()) });
const StatementView = Type.Object({
  household: Type.String(),
  month: Type.String(),
  title: Type.String(),
  columns: Type.Array(Type.Object({ key: Type.String(), header: Type.String(), kind: Type.Optional(Type.String()) })),
  rows: Type.Array(Type.Record(Type.String(), Type.Unknown()), { description: 'amounts in integer fen, energy in Wh, as the columns say' }),
  total: Type.Record(Type.String(), Type.Unknown()),
  notes: Type.Array(Type.String(), { description: 'how to read it, the flags legend, the provenance' }),
});
const CONTENT_TYPES = { xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', csv: 'text/csv; charset=utf-8', pdf: 'application/pdf' } as const;

function service(ctx: ApiContext): PayoutService {
  if (!ctx.payout) throw new SunshareError('PAYOUT_UNAVAILABLE', 'this API runs without the payout service; start it with the ledger it settles');
  return ctx.payout;
}

export function payoutRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get<{ Querystring: Static<typeof SettlementQuery> }>(
    '/settlements',
    {
      config: { permission: 'read' },
      schema: { tags: ['payout'], summary: 'Posted daily settlements per site (every version; later versions correct earlier ones)', querystring: SettlementQuery, response: { 200: Page(Settlement), ...authErrors } },
    },
    async (req) => {
      const q = req.query;
      return pageOf(
        ctx.db.q
          .selectFrom('settlements')
          .select([
            'id',
            'site_id as site',
            'day',
            'version',
            'corrects_id as correctsId',
            'energy_wh as energyWh',
            'energy_source as energySource',
            'flags',
            'revenue_fen as revenueFen',
            'grid_fen as gridFen',
            'subsidy_fen as subsidyFen',
            'run_id as runId',
            'posted_at as postedAt',
          ])
          .$if(given(q.site), (b) => b.where('site_id', '=', q.site!))
          .$if(given(q.from), (b) => b.where('day', '>=', q.from!))
          .$if(given(q.to), (b) => b.where('day', '<=', q.to!))
          .orderBy('day', 'desc')
          .orderBy('site_id')
          .orderBy('version'),
        q,
      );
    },
  );

  app.get<{ Querystring: Static<typeof PageOnly> }>(
    '/settlement-runs',
    {
      config: { permission: 'read' },
      schema: { tags: ['payout'], summary: 'Finished settlement runs (scheduler and API), newest first', querystring: PageOnly, response: { 200: Page(SettlementRun), ...authErrors } },
    },
    async (req) =>
      pageOf(
        ctx.db.q
          .selectFrom('settlement_runs')
          .select(['id', 'from_day as from', 'to_day as to', 'started_at as startedAt', 'finished_at as finishedAt', 'posted', 'unchanged', 'skipped'])
          .orderBy('finished_at', 'desc')
          .orderBy('id'),
        req.query,
      ),
  );

  app.post<{ Body: Static<typeof RunBody> }>(
    '/payout-runs',
    {
      config: { permission: 'finance' },
      schema: {
        tags: ['payout'],
        summary: 'Start a settlement run over [from, to] (finance; audited). Answers at once; poll GET /payout-runs/{id}',
        body: RunBody,
        response: { 202: PayoutRun, 503: ErrorResponse, ...authErrors },
      },
    },
    async (req, reply) => {
      const run = service(ctx).start(req.body, req.owner?.name ?? '');
      await audit(ctx.db, req, 'payout.run', run.id, req.body);
      return reply.status(202).send(run);
    },
  );

  app.get(
    '/payout-runs',
    { config: { permission: 'read' }, schema: { tags: ['payout'], summary: 'Runs started through this API, newest first', response: { 200: Type.Object({ items: Type.Array(PayoutRun) }), 503: ErrorResponse, ...authErrors } } },
    async () => ({ items: service(ctx).list() }),
  );

  app.get<{ Params: { id: string } }>(
    '/payout-runs/:id',
    {
      config: { permission: 'read' },
      schema: { tags: ['payout'], summary: 'Progress and result of one run', params: Type.Object({ id: Type.String({ maxLength: 64 }) }), response: { 200: PayoutRun, 404: ErrorResponse, 503: ErrorResponse, ...authErrors } },
    },
    async (req) => {
      const run = service(ctx).get(req.params.id);
      if (!run) throw new SunshareError('PAYOUT_RUN_NOT_FOUND', `no payout run "${req.params.id}" (this API keeps its last 50 runs; finished ones are in /settlement-runs)`);
      return run;
    },
  );

  app.get<{ Params: { id: string }; Querystring: { month: string } }>(
    '/households/:id/statement',
    {
      config: { permission: 'finance' },
      schema: {
        tags: ['reports'],
        summary: "One household's statement for a month (finance; audited): every daily line, each correction with the day it corrects and its old and new energy and amount, deductions, top-up and the 合计; the same table as `sunshare payout statement`",
        params: Type.Object({ id: IdParam }),
        querystring: Type.Object({ month: Month }),
        response: { 200: StatementView, 404: ErrorResponse, ...authErrors },
      },
    },
    async (req) => {
      const t = await statementFor(ctx.db, { month: req.query.month, household: req.params.id });
      await audit(ctx.db, req, 'statement.view', req.params.id, { month: req.query.month });
      return { household: req.params.id, month: req.query.month, title: t.title ?? t.name, columns: t.columns.map((c) => ({ key: c.key, header: c.header, kind: c.kind })), rows: t.rows, total: t.total ?? {}, notes: t.notes ?? [] };
    },
  );

  app.get<{ Querystring: Static<typeof DigestQuery> }>(
    '/reports/digest',
    {
      config: { permission: 'read' },
      schema: {
        tags: ['reports'],
        summary: 'The settlement run and ledger digest a report of this month (and site or village) would carry now; with digest=, whether a printed report still matches the ledger',
        querystring: DigestQuery,
        response: { 200: Provenance, 409: ErrorResponse, ...authErrors },
      },
    },
    async (req) => {
      const q = req.query;
      const filter = { month: q.month, site: q.site, village: q.village };
      const p = q.digest ? await verifyDigest(ctx.db, { ...filter, digest: q.digest }) : await ledgerProvenance(ctx.db, filter);
      return { month: q.month, run: p.run_id, digest: p.digest, rows: p.rows, ...(q.digest ? { matches: true } : {}) };
    },
  );

  app.get(
    '/reports',
    {
      config: { permission: 'read' },
      schema: {
        tags: ['reports'],
        summary: 'The reports that can be downloaded, and in which formats',
        response: { 200: Type.Object({ items: Type.Array(Type.Object({ kind: Type.String(), description: Type.String(), formats: Type.Array(Type.String()) })) }), ...authErrors },
      },
    },
    async () => ({ items: (ctx.payout?.reports ?? []).map((r) => ({ kind: r.kind, description: r.description, formats: [...r.formats] })) }),
  );

  app.get<{ Params: { kind: string }; Querystring: Static<typeof ReportQuery> }>(
    '/reports/:kind',
    {
      config: { permission: 'finance' },
      schema: {
        tags: ['reports'],
        summary: 'Download a report as CSV (Excel-safe UTF-8) or XLSX (finance; audited)',
        params: Type.Object({ kind: Type.String({ pattern: '^[a-z0-9-]{1,40}$' }) }),
        querystring: ReportQuery,
        response: { 404: ErrorResponse, 503: ErrorResponse, ...authErrors },
      },
    },
    async (req, reply) => {
      const report = service(ctx).reports.find((r) => r.kind === req.params.kind);
      if (!report) {
        const kinds = service(ctx).reports.map((r) => r.kind).join(', ');
        throw new SunshareError('REPORT_NOT_FOUND', `no report "${req.params.kind}"; there are: ${kinds}`);
      }
      if (!report.formats.includes(req.query.format)) {
        throw new SunshareError('REPORT_FORMAT_UNSUPPORTED', `report "${report.kind}" comes as ${report.formats.join(' or ')}, not ${req.query.format}`);
      }
      const file = await report.build(ctx.db, req.query);
      await audit(ctx.db, req, 'report.download', report.kind, req.query);
      return reply
        .header('content-type', CONTENT_TYPES[req.query.format])
        .header('content-disposition', `attachment; filename="${file.filename.replace(/[^\x20-\x7e]|"/g, '_')}"; filename*=UTF-8''${encodeURIComponent(file.filename)}`)
        .send(file.body);
    },
  );
}

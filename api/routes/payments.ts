import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { approveMonth, draftMonth, exportPaymentFile, importResults, monthFigures, monthSteps, payMonth, postMonth, receiptChecks, recentMonths, stateOf, type Actor } from '../../payout/index.ts';
import { audit } from '../audit.ts';
import type { ApiContext } from '../context.ts';
import { ErrorResponse, IdParam, authErrors } from '../schemas.ts';

/** The month's workflow and its bank payments (docs/payments.md): each step audited. */
const MonthParam = Type.Object({ month: Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])$', description: 'payout month YYYY-MM' }) });
const PostBody = Type.Object({ days: Type.Integer({ minimum: 0, maximum: 90, description: 'the 公示 period in days' }) }, { additionalProperties: false });
const FileQuery = Type.Object({
  payer: Type.String({ default: 'default', maxLength: 64 }),
  format: Type.Union([Type.Literal('csv'), Type.Literal('xlsx')], { default: 'csv' }),
  template: Type.String({ default: 'generic', pattern: '^[a-z0-9-]{1,40}$', description: 'a built-in template name' }),
});
const ResultsBody = Type.Object(
  { name: Type.String({ pattern: '^[\\w.-]{1,100}\\.(csv|xlsx)$' }), contentBase64: Type.String({ maxLength: 10_000_000 }), template: Type.String({ default: 'generic', pattern: '^[a-z0-9-]{1,40}$' }) },
  { additionalProperties: false },
);
const Step = Type.Object({ step: Type.String(), at: Type.String(), actor: Type.String(), details: Type.Record(Type.String(), Type.Unknown()) });
const MonthView = Type.Object({ month: Type.String(), state: Type.String({ description: 'open, draft, posted, approved, batch or done' }), steps: Type.Array(Step) });
const errors = { ...authErrors, 404: ErrorResponse, 409: ErrorResponse };

const actorOf = (req: FastifyRequest): Actor => ({ name: req.owner?.name ?? 'anonymous', id: req.owner?.id });

const Month = Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])$' });
const ChecksQuery = Type.Object({ site: Type.Optional(IdParam), from: Type.Optional(Month), to: Type.Optional(Month) });
const Check = Type.Object({
  receiptId: Type.String(), reference: Type.String(), receivedOn: Type.String(), site: Type.String(), month: Type.String(), kind: Type.String(),
  accruedWh: Type.Integer(), statementWh: Type.Union([Type.Integer(), Type.Null()]), accruedFen: Type.Integer(), receivedFen: Type.Integer(),
  differenceFen: Type.Integer({ description: 'received - accrued, posted as receipt adjustments' }), rule: Type.String({ description: 'match | amount_adjustment | energy_restatement' }),
});

export function paymentRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const view = async (month: string) => {
    const steps = await monthSteps(ctx.db, month);
    return { month, state: stateOf(steps), steps: steps.map((s) => ({ step: s.step, at: s.at, actor: s.actor, details: s.details })) };
  };
  const tags = ['payments'];

  app.get(
    '/payout-months',
    { config: { permission: 'read' }, schema: { tags, summary: 'The latest twelve months with workflow steps, newest first (the status page shows them)', response: { 200: Type.Object({ items: Type.Array(MonthView) }), ...errors } } },
    async () => ({ items: (await recentMonths(ctx.db)).map((m) => ({ month: m.month, state: m.state, steps: m.steps.map((s) => ({ step: s.step, at: s.at, actor: s.actor, details: s.details })) })) }),
  );

  app.get<{ Params: Static<typeof MonthParam> }>(
    '/payout-months/:month',
    { config: { permission: 'read' }, schema: { tags, summary: "The month's workflow: its state and every step (who, when)", params: MonthParam, response: { 200: MonthView, ...errors } } },
    async (req) => view(req.params.month),
  );

  const step = (path: string, permission: 'finance' | 'approve', summary: string, action: string, fn: (req: FastifyRequest<{ Params: Static<typeof MonthParam>; Body?: unknown }>) => Promise<unknown>) =>
    app.post<{ Params: Static<typeof MonthParam> }>(
      `/payout-months/:month/${path}`,
      { config: { permission }, schema: { tags, summary, params: MonthParam, ...(path === 'post' ? { body: PostBody } : {}), response: { 200: MonthView, ...errors } } },
      async (req) => {
        const result = await fn(req);
        await audit(ctx.db, req, action, req.params.month, result ?? {});
        return view(req.params.month);
      },
    );
  step('draft', 'finance', 'Draft the month (whoever drafts it cannot approve it)', 'payout.month.draft', async (req) => (await draftMonth(ctx.db, req.params.month, actorOf(req))).details);
  step('post', 'finance', 'Post the draft for 公示 for the given days', 'payout.month.post', async (req) => (await postMonth(ctx.db, req.params.month, actorOf(req), (req.body as Static<typeof PostBody>).days)).details);
  step('approve', 'approve', 'Approve the posted month (approver role, not the preparer); closes it', 'payout.month.approve', async (req) => (await approveMonth(ctx.db, req.params.month, actorOf(req))).details);
  step('pay', 'finance', "Make the month's payment batch (once)", 'payout.month.pay', async (req) => payMonth(ctx.db, req.params.month, actorOf(req)));

  app.get<{ Params: Static<typeof MonthParam>; Querystring: Static<typeof FileQuery> }>(
    '/payout-months/:month/payment-file',
    {
      config: { permission: 'finance' },
      schema: { tags, summary: 'The bank batch-transfer file (full account numbers): finance and admin only, every export audited with its row count and SHA-256', params: MonthParam, querystring: FileQuery, response: { ...errors } },
    },
    async (req, reply) => {
      const dir = mkdtempSync(join(tmpdir(), 'sunshare-payfile-'));
      try {
        const r = await exportPaymentFile(ctx.db, { month: req.params.month, payer: req.query.payer, format: req.query.format, template: req.query.template, by: req.owner?.name ?? 'anonymous', out: dir });
        await audit(ctx.db, req, 'payout.payment_file', req.params.month, { payer: req.query.payer, format: req.query.format, template: r.template, rows: r.rows, total_fen: r.total_fen, sha256: r.sha256 });
        const body = readFileSync(r.path);
        return reply
          .header('content-type', req.query.format === 'csv' ? 'text/csv' : 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
          .header('content-disposition', `attachment; filename="${r.name.replace(/[^\x20-\x7e]|"/g, '_')}"`)
          .header('x-sha256', r.sha256)
          .send(body);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  app.post<{ Params: Static<typeof MonthParam>; Body: Static<typeof ResultsBody> }>(
    '/payout-months/:month/results',
    { config: { permission: 'finance' }, schema: { tags, summary: "Import the bank's result file (base64): paid, or returned with a reason", params: MonthParam, body: ResultsBody, response: { 200: MonthView, ...errors } } },
    async (req) => {
      const dir = mkdtempSync(join(tmpdir(), 'sunshare-results-'));
      try {
        const file = join(dir, req.body.name);
        writeFileSync(file, Buffer.from(req.body.contentBase64, 'base64'));
        const r = await importResults(ctx.db, file, { template: req.body.template, by: actorOf(req) });
        await audit(ctx.db, req, 'payout.results', req.params.month, r);
        return view(req.params.month);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  app.get<{ Querystring: Static<typeof ChecksQuery> }>(
    '/receipt-checks',
    { config: { permission: 'read' }, schema: { tags, summary: 'Receipts reconciled against what accrued, to the fen: the difference per site and month and the rule that settled it', querystring: ChecksQuery, response: { 200: Type.Object({ items: Type.Array(Check) }), ...errors } } },
    async (req) => ({
      items: (await receiptChecks(ctx.db, req.query)).map((c) => ({
        receiptId: c.receipt_id, reference: c.reference, receivedOn: c.received_on, site: c.site_id, month: c.month, kind: c.kind,
        accruedWh: Number(c.accrued_wh), statementWh: c.statement_wh === null ? null : Number(c.statement_wh), accruedFen: Number(c.accrued_fen),
        receivedFen: Number(c.received_fen), differenceFen: Number(c.difference_fen), rule: c.rule,
      })),
    }),
  );

  app.get<{ Params: Static<typeof MonthParam> }>(
    '/payout-months/:month/figures',
    { config: { permission: 'read' }, schema: { tags, summary: 'Accrued, received, advanced, paid, held and owed at the end of the month, per party (households, collectives, the company)', params: MonthParam, response: { ...errors } } },
    async (req) => monthFigures(ctx.db, req.params.month),
  );
}

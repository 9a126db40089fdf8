import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.ts';
import { maskAccount, maskIdCard, maskName } from '../mask.ts';
import { given, pageOf } from '../query.ts';
import { Day, IdParam, Page, Pagination, authErrors } from '../schemas.ts';

const Household = Type.Object({
  id: Type.String(),
  name: Type.String({ description: 'masked' }),
  town: Type.String(),
  village: Type.String(),
  idCard: Type.String({ description: 'masked: first 3 and last 4 characters' }),
  bankAccount: Type.String({ description: 'masked: last 4 digits' }),
});
const Allocation = Type.Object({
  id: Type.String(),
  household: Type.String(),
  site: Type.String(),
  shareW: Type.Integer(),
  validFrom: Type.String(),
  validTo: Type.Union([Type.String(), Type.Null()]),
  reason: Type.String(),
});
const Tariff = Type.Object({
  site: Type.String(),
  validFrom: Type.String(),
  validTo: Type.Union([Type.String(), Type.Null()]),
  gridRate: Type.Integer({ description: '0.00001 yuan/kWh (0.98 yuan/kWh = 98000)' }),
  subsidyRate: Type.Integer({ description: '0.00001 yuan/kWh' }),
});

const HouseholdQuery = Type.Object({ ...Pagination, town: Type.Optional(Type.String()), village: Type.Optional(Type.String()) });
const AllocationQuery = Type.Object({ ...Pagination, site: Type.Optional(IdParam), household: Type.Optional(IdParam), on: Type.Optional(Day) });
const TariffQuery = Type.Object({ ...Pagination, site: Type.Optional(IdParam) });

export function registryRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const read = { permission: 'read' as const };

  app.get<{ Querystring: Static<typeof HouseholdQuery> }>(
    '/households',
    { config: read, schema: { tags: ['registry'], summary: 'Households, personal data masked', querystring: HouseholdQuery, response: { 200: Page(Household), ...authErrors } } },
    async (req) => {
      const { town, village } = req.query;
      const page = await pageOf(
        ctx.db.q
          .selectFrom('households')
          .select(['id', 'name', 'town', 'village', 'id_card', 'bank_account'])
          .$if(given(town), (b) => b.where('town', '=', town!))
          .$if(given(village), (b) => b.where('village', '=', village!))
          .orderBy('id'),
        req.query,
      );
      return {
        ...page,
        items: page.items.map((h) => ({
          id: h.id,
          name: maskName(h.name),
          town: h.town,
          village: h.village,
          idCard: maskIdCard(h.id_card),
          bankAccount: maskAccount(h.bank_account),
        })),
      };
    },
  );

  app.get<{ Querystring: Static<typeof AllocationQuery> }>(
    '/allocations',
    {
      config: read,
      schema: { tags: ['registry'], summary: "Households' shares of sites over date ranges", querystring: AllocationQuery, response: { 200: Page(Allocation), ...authErrors } },
    },
    async (req) => {
      const q = req.query;
      return pageOf(
        ctx.db.q
          .selectFrom('allocations')
          .select(['id', 'household_id as household', 'site_id as site', 'share_w as shareW', 'valid_from as validFrom', 'valid_to as validTo', 'reason'])
          .$if(given(q.site), (b) => b.where('site_id', '=', q.site!))
          .$if(given(q.household), (b) => b.where('household_id', '=', q.household!))
          .$if(given(q.on), (b) => b.where('valid_from', '<=', q.on!).where((eb) => eb.or([eb('valid_to', 'is', null), eb('valid_to', '>=', q.on!)])))
          .orderBy('site_id')
          .orderBy('valid_from')
          .orderBy('id'),
        q,
      );
    },
  );

  app.get<{ Querystring: Static<typeof TariffQuery> }>(
    '/tariffs',
    { config: read, schema: { tags: ['registry'], summary: 'Feed-in tariffs by site and date range', querystring: TariffQuery, response: { 200: Page(Tariff), ...authErrors } } },
    async (req) =>
      pageOf(
        ctx.db.q
          .selectFrom('tariffs')
          .select(['site_id as site', 'valid_from as validFrom', 'valid_to as validTo', 'grid_rate as gridRate', 'subsidy_rate as subsidyRate'])
          .$if(given(req.query.site), (b) => b.where('site_id', '=', req.query.site!))
          .orderBy('site_id')
          .orderBy('valid_from'),
        req.query,
      ),
  );
}

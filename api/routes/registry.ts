import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.ts';
import { maskAccount, maskIdCard, maskName } from '../mask.ts';
import { Where, pageOf } from '../query.ts';
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
      const where = new Where().add('town = ?', req.query.town).add('village = ?', req.query.village);
      const page = await pageOf<{ id: string; name: string; town: string; village: string; id_card: string; bank_account: string }>(
        ctx.db,
        'id, name, town, village, id_card, bank_account',
        'households',
        where,
        'id',
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
      const where = new Where()
        .add('site_id = ?', q.site)
        .add('household_id = ?', q.household)
        .add('valid_from <= ?', q.on)
        .add('(valid_to IS NULL OR valid_to >= ?)', q.on);
      return pageOf(
        ctx.db,
        'id, household_id AS household, site_id AS site, share_w AS "shareW", valid_from AS "validFrom", valid_to AS "validTo", reason',
        'allocations',
        where,
        'site_id, valid_from, id',
        q,
      );
    },
  );

  app.get<{ Querystring: Static<typeof TariffQuery> }>(
    '/tariffs',
    { config: read, schema: { tags: ['registry'], summary: 'Feed-in tariffs by site and date range', querystring: TariffQuery, response: { 200: Page(Tariff), ...authErrors } } },
    async (req) =>
      pageOf(
        ctx.db,
        'site_id AS site, valid_from AS "validFrom", valid_to AS "validTo", grid_rate AS "gridRate", subsidy_rate AS "subsidyRate"',
        'tariffs',
        new Where().add('site_id = ?', req.query.site),
        'site_id, valid_from',
        req.query,
      ),
  );
}

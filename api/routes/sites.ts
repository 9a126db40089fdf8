import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { SunshareError } from '../../common/errors.ts';
import { audit } from '../audit.ts';
import { clearSkyDayWh, expectedDayWh } from '../expected.ts';
import { localDay } from '../../common/index.ts';
import type { ApiContext } from '../context.ts';
import type { Db } from '../../common/ledger/index.ts';
import { createSite, siteRow, updateSite, type SiteChange } from '../../payout/index.ts';
import { given } from '../query.ts';
import { IdParam, Page, Pagination, authErrors, ErrorResponse } from '../schemas.ts';

interface SiteRow {
  id: string;
  name: string;
  town: string;
  village: string;
  capacity_w: number;
  time_zone: string;
  latitude: number | null;
  longitude: number | null;
  commissioned_on: string | null;
}

export const SiteStatus = Type.Object({
  id: Type.String(),
  name: Type.String(),
  town: Type.String(),
  village: Type.String(),
  capacityW: Type.Integer(),
  timeZone: Type.String(),
  online: Type.Boolean({ description: 'a gateway of the site is online and was heard from recently' }),
  lastSeenAt: Type.Optional(Type.Integer({ description: 'epoch ms, when the API last heard from a gateway of the site' })),
  lastReadingAt: Type.Optional(Type.Integer({ description: 'epoch ms, time of the newest reading (the simulated clock in the demo)' })),
  day: Type.Optional(Type.String({ description: "the site's local day of the newest reading" })),
  powerW: Type.Optional(Type.Number({ description: 'AC power now, W' })),
  energyTodayWh: Type.Optional(Type.Number({ description: 'energy so far today, Wh (revenue meter, else inverters)' })),
  expectedTodayWh: Type.Integer({ description: "a clear day for this capacity at this date and place, Wh (the monitor's clear-sky model; without coordinates the year's yield / 365; see docs/api.md)" }),
});

const SiteQuery = Type.Object({
  ...Pagination,
  town: Type.Optional(Type.String({ maxLength: 100 })),
  village: Type.Optional(Type.String({ maxLength: 100 })),
  status: Type.Optional(Type.Union([Type.Literal('online'), Type.Literal('offline')], { description: 'live status filter' })),
});

const SiteBody = Type.Object(
  {
    id: IdParam,
    name: Type.String({ minLength: 1, maxLength: 200 }),
    // the registry's own bound (payout/registry/kinds.ts), so the API and the importer take the same names
    town: Type.Optional(Type.String({ maxLength: 200 })),
    village: Type.Optional(Type.String({ maxLength: 200 })),
    capacityW: Type.Integer({ minimum: 1 }),
    timeZone: Type.Optional(Type.String({ maxLength: 64 })),
    latitude: Type.Optional(Type.Number({ minimum: -90, maximum: 90 })),
    longitude: Type.Optional(Type.Number({ minimum: -180, maximum: 180 })),
    commissionedOn: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' })),
  },
  { additionalProperties: false },
);
const SitePatch = Type.Partial(Type.Omit(SiteBody, ['id']), { additionalProperties: false, minProperties: 1 });

const COLUMNS = ['id', 'name', 'town', 'village', 'capacity_w', 'time_zone', 'latitude', 'longitude', 'commissioned_on'] as const;

export function siteRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const withLive = (row: SiteRow): Static<typeof SiteStatus> => {
    const live = ctx.live.site(row.id);
    const day = live.day ?? localDay(Date.now(), row.time_zone);
    return {
      id: row.id,
      name: row.name,
      town: row.town,
      village: row.village,
      capacityW: row.capacity_w,
      timeZone: row.time_zone,
      online: live.online,
      lastSeenAt: live.lastSeenAt,
      lastReadingAt: live.lastReadingAt,
      day: live.day,
      powerW: live.powerW,
      energyTodayWh: live.energyTodayWh,
      expectedTodayWh:
        row.latitude !== null && row.longitude !== null
          ? clearSkyDayWh(row.capacity_w, day, row.latitude, row.longitude, row.time_zone)
          : expectedDayWh(row.capacity_w, ctx.expectedYieldKwhPerKwp, day),
    };
  };
  const getSite = async (id: string, db: Db = ctx.db): Promise<SiteRow> => {
    const row = await db.q.selectFrom('sites').select(COLUMNS).where('id', '=', id).executeTakeFirst();
    if (!row) throw new SunshareError('SITE_NOT_FOUND', `there is no site "${id}"; GET /sites lists them`);
    return row;
  };

  app.get<{ Querystring: Static<typeof SiteQuery> }>(
    '/sites',
    {
      config: { permission: 'read' },
      schema: {
        tags: ['sites'],
        summary: 'Sites with live status: online, power now, energy today',
        querystring: SiteQuery,
        response: { 200: Page(SiteStatus), ...authErrors },
      },
    },
    async (req) => {
      const { limit, offset, town, village, status } = req.query;
      // The live filter needs every matching site's status, so it pages in memory (150 sites in a county).
      const rows = await ctx.db.q
        .selectFrom('sites')
        .select(COLUMNS)
        .$if(given(town), (b) => b.where('town', '=', town!))
        .$if(given(village), (b) => b.where('village', '=', village!))
        .orderBy('id')
        .execute();
      let items = rows.map(withLive);
      if (status) items = items.filter((s) => s.online === (status === 'online'));
      return { items: items.slice(offset, offset + limit), total: items.length, limit, offset };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/sites/:id',
    {
      config: { permission: 'read' },
      schema: {
        tags: ['sites'],
        summary: 'One site with live status',
        params: Type.Object({ id: IdParam }),
        response: { 200: SiteStatus, 404: ErrorResponse, ...authErrors },
      },
    },
    async (req) => withLive(await getSite(req.params.id)),
  );

  app.get(
    '/live/power',
    {
      config: { permission: 'read' },
      schema: {
        tags: ['sites'],
        summary: "Today's power curve per site ([epoch ms, W] pairs, one per 5 minutes of reading time)",
        response: {
          200: Type.Object({
            items: Type.Array(
              Type.Object({ site: Type.String(), day: Type.Optional(Type.String()), points: Type.Array(Type.Tuple([Type.Number(), Type.Number()])) }),
            ),
          }),
          ...authErrors,
        },
      },
    },
    async () => {
      const ids = (await ctx.db.q.selectFrom('sites').select('id').orderBy('id').execute()).map((r) => r.id);
      return { items: ids.map((site) => ({ site, ...ctx.live.curve(site) })) };
    },
  );

  app.post<{ Body: Static<typeof SiteBody> }>(
    '/sites',
    {
      config: { permission: 'registry' },
      schema: { tags: ['registry'], summary: 'Register a site (admin; audited)', body: SiteBody, response: { 201: SiteStatus, 409: ErrorResponse, ...authErrors } },
    },
    async (req, reply) => {
      const b = req.body;
      await ctx.db.transaction(async (tx) => {
        // payout/registry owns the sites table and checks the row (SITE_EXISTS 409, SITE_TIME_ZONE_INVALID 400)
        await createSite(tx, siteRow(b));
        await audit(tx, req, 'site.create', b.id, b);
      });
      return reply.status(201).send(withLive(await getSite(b.id)));
    },
  );

  app.patch<{ Params: { id: string }; Body: Static<typeof SitePatch> }>(
    '/sites/:id',
    {
      config: { permission: 'registry' },
      schema: {
        tags: ['registry'],
        summary: 'Change a site (admin; audited)',
        params: Type.Object({ id: IdParam }),
        body: SitePatch,
        response: { 200: SiteStatus, 404: ErrorResponse, 409: ErrorResponse, ...authErrors },
      },
    },
    async (req) => {
      const b = req.body;
      const change: SiteChange = {
        name: b.name,
        town: b.town,
        village: b.village,
        capacity_w: b.capacityW,
        time_zone: b.timeZone,
        latitude: b.latitude,
        longitude: b.longitude,
        commissioned_on: b.commissionedOn,
      };
      for (const k of Object.keys(change) as (keyof SiteChange)[]) if (change[k] === undefined) delete change[k];
      await ctx.db.transaction(async (tx) => {
        const before = await getSite(req.params.id, tx);
        // payout/registry owns the sites table and checks the change (SITE_TIME_ZONE_INVALID 400, SITE_CAPACITY_BELOW_ALLOCATED 409)
        await updateSite(tx, req.params.id, change);
        await audit(tx, req, 'site.update', req.params.id, { before, change: req.body });
      });
      return withLive(await getSite(req.params.id));
    },
  );
}

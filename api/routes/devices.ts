import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { DeviceHealth, GatewayClockStatus, GatewayStatus } from '../../common/contract.ts';
import { audit } from '../audit.ts';
import type { ApiContext } from '../context.ts';
import { createDevice } from '../../payout/index.ts';
import { given } from '../query.ts';
import { ErrorResponse, IdParam, Page, Pagination, authErrors } from '../schemas.ts';

interface DeviceRow {
  site_id: string;
  id: string;
  kind: 'inverter' | 'meter';
  revenue_meter: number;
  rated_power_w: number | null;
  profile: string | null;
  serial: string | null;
}
const DEVICE_COLUMNS = ['site_id', 'id', 'kind', 'revenue_meter', 'rated_power_w', 'profile', 'serial'] as const;

const Device = Type.Object({
  site: Type.String(),
  id: Type.String(),
  kind: Type.String(),
  revenueMeter: Type.Boolean(),
  ratedPowerW: Type.Optional(Type.Integer()),
  profile: Type.Optional(Type.String()),
  health: Type.Union([Type.Literal('ok'), Type.Literal('failing'), Type.Literal('unknown')], { description: "from the gateway's last status" }),
  consecutiveErrors: Type.Optional(Type.Integer()),
  lastReadingAt: Type.Optional(Type.Integer({ description: 'epoch ms of the newest reading' })),
  acPowerW: Type.Optional(Type.Number()),
  state: Type.Optional(Type.String()),
  alarms: Type.Optional(Type.Array(Type.String())),
  quality: Type.Optional(Type.Array(Type.String())),
  energyTodayWh: Type.Optional(Type.Number()),
});

const DeviceQuery = Type.Object({
  ...Pagination,
  site: Type.Optional(IdParam),
  kind: Type.Optional(Type.Union([Type.Literal('inverter'), Type.Literal('meter')])),
  health: Type.Optional(Type.Union([Type.Literal('ok'), Type.Literal('failing'), Type.Literal('unknown')])),
});

const DeviceBody = Type.Object(
  {
    id: IdParam,
    kind: Type.Union([Type.Literal('inverter'), Type.Literal('meter')]),
    revenueMeter: Type.Optional(Type.Boolean()),
    ratedPowerW: Type.Optional(Type.Integer({ minimum: 1 })),
    profile: Type.Optional(Type.String({ maxLength: 100 })),
    serial: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);

const Gateway = Type.Object({
  site: Type.String(),
  gateway: Type.String(),
  online: Type.Boolean(),
  lastSeenAt: Type.Integer(),
  version: Type.Optional(Type.String()),
  lastSeq: Type.Optional(Type.Integer()),
  // the gateway's own retained status, field for field (the memory buffer when the disk fails)
  spool: GatewayStatus.properties.spool,
  clock: Type.Optional(GatewayClockStatus),
  devices: Type.Array(DeviceHealth),
});

export function deviceRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const withLive = (row: DeviceRow): Static<typeof Device> => {
    const site = ctx.live.site(row.site_id);
    const health = site.gateways.flatMap((g) => g.devices).find((d) => d.device === row.id);
    const reading = ctx.live.devices(row.site_id).find((d) => d.device === row.id);
    return {
      site: row.site_id,
      id: row.id,
      kind: row.kind,
      revenueMeter: row.revenue_meter === 1,
      ratedPowerW: row.rated_power_w ?? undefined,
      profile: row.profile ?? undefined,
      health: health ? (health.ok ? 'ok' : 'failing') : 'unknown',
      consecutiveErrors: health?.consecutiveErrors,
      lastReadingAt: reading?.ts,
      acPowerW: reading?.acPowerW,
      state: reading?.state,
      alarms: reading?.alarms,
      quality: reading?.quality,
      energyTodayWh: reading?.energyTodayWh,
    };
  };

  app.get<{ Querystring: Static<typeof DeviceQuery> }>(
    '/devices',
    {
      config: { permission: 'read' },
      schema: { tags: ['devices'], summary: 'Devices with their health and latest reading', querystring: DeviceQuery, response: { 200: Page(Device), ...authErrors } },
    },
    async (req) => {
      const { limit, offset, site, kind, health } = req.query;
      const rows = await ctx.db.q
        .selectFrom('devices')
        .select(DEVICE_COLUMNS)
        .$if(given(site), (b) => b.where('site_id', '=', site!))
        .$if(given(kind), (b) => b.where('kind', '=', kind!))
        .orderBy('site_id')
        .orderBy('id')
        .$narrowType<{ kind: DeviceRow['kind'] }>() // the column's CHECK constraint
        .execute();
      let items = rows.map(withLive);
      if (health) items = items.filter((d) => d.health === health);
      return { items: items.slice(offset, offset + limit), total: items.length, limit, offset };
    },
  );

  app.post<{ Params: { id: string }; Body: Static<typeof DeviceBody> }>(
    '/sites/:id/devices',
    {
      config: { permission: 'registry' },
      schema: {
        tags: ['registry'],
        summary: 'Register a device at a site (admin; audited)',
        params: Type.Object({ id: IdParam }),
        body: DeviceBody,
        response: { 201: Device, 404: ErrorResponse, 409: ErrorResponse, ...authErrors },
      },
    },
    async (req, reply) => {
      const b = req.body;
      const site = req.params.id;
      await ctx.db.transaction(async (tx) => {
        // payout/registry owns the devices table (SITE_NOT_FOUND 404, DEVICE_EXISTS 409)
        await createDevice(tx, {
          site_id: site,
          id: b.id,
          kind: b.kind,
          revenue_meter: b.revenueMeter ? 1 : 0,
          rated_power_w: b.ratedPowerW ?? null,
          profile: b.profile ?? null,
          serial: b.serial ?? null,
        });
        await audit(tx, req, 'device.create', `${site}/${b.id}`, b);
      });
      const row = await ctx.db.q
        .selectFrom('devices')
        .select(DEVICE_COLUMNS)
        .where('site_id', '=', site)
        .where('id', '=', b.id)
        .$narrowType<{ kind: DeviceRow['kind'] }>()
        .executeTakeFirstOrThrow();
      return reply.status(201).send(withLive(row));
    },
  );

  app.get<{ Querystring: { site?: string } }>(
    '/gateways',
    {
      config: { permission: 'operate' },
      schema: {
        tags: ['devices'],
        summary: 'Gateways with spool, wall-clock steps and per-device health, including last errors (operator)',
        querystring: Type.Object({ site: Type.Optional(IdParam) }),
        response: { 200: Type.Object({ items: Type.Array(Gateway) }), ...authErrors },
      },
    },
    async (req) => {
      const sites = req.query.site ? [req.query.site] : ctx.live.siteIds().sort();
      return { items: sites.flatMap((site) => ctx.live.site(site).gateways.map((g) => ({ site, ...g }))) };
    },
  );
}

import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.ts';
import { Where, pageOf } from '../query.ts';
import { Day, IdParam, Page, Pagination, authErrors } from '../schemas.ts';

const DailyEnergy = Type.Object({
  site: Type.String(),
  device: Type.String(),
  counter: Type.String({ description: 'ac_energy_wh (inverter), export_energy_wh / import_energy_wh (meter)' }),
  day: Type.String(),
  revision: Type.Integer(),
  energyWh: Type.Integer(),
  method: Type.String({ description: 'delta | reset | rollover | replacement | interpolated | estimated' }),
  flags: Type.String(),
  readings: Type.Integer(),
});

const EnergyQuery = Type.Object({
  ...Pagination,
  site: Type.Optional(IdParam),
  device: Type.Optional(IdParam),
  from: Type.Optional(Day),
  to: Type.Optional(Day),
});

export function energyRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get<{ Querystring: Static<typeof EnergyQuery> }>(
    '/daily-energy',
    {
      config: { permission: 'read' },
      schema: {
        tags: ['energy'],
        summary: 'Settlement-grade daily energy per device counter (the current revision)',
        querystring: EnergyQuery,
        response: { 200: Page(DailyEnergy), ...authErrors },
      },
    },
    async (req) => {
      const q = req.query;
      const where = new Where().add('site_id = ?', q.site).add('device_id = ?', q.device).add('day >= ?', q.from).add('day <= ?', q.to);
      return pageOf<Static<typeof DailyEnergy>>(
        ctx.db,
        'site_id AS site, device_id AS device, counter, day, revision, energy_wh AS "energyWh", method, flags, readings',
        'daily_energy_current',
        where,
        'day DESC, site_id, device_id, counter',
        q,
      );
    },
  );
}

import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.ts';
import { given, pageOf } from '../query.ts';
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
      return pageOf(
        ctx.db.q
          .selectFrom('daily_energy_current')
          .select(['site_id as site', 'device_id as device', 'counter', 'day', 'revision', 'energy_wh as energyWh', 'method', 'flags', 'readings'])
          .$if(given(q.site), (b) => b.where('site_id', '=', q.site!))
          .$if(given(q.device), (b) => b.where('device_id', '=', q.device!))
          .$if(given(q.from), (b) => b.where('day', '>=', q.from!))
          .$if(given(q.to), (b) => b.where('day', '<=', q.to!))
          .orderBy('day', 'desc')
          .orderBy('site_id')
          .orderBy('device_id')
          .orderBy('counter'),
        q,
      );
    },
  );
}

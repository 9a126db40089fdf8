import { Type, type Static } from '@sinclair/typebox';
import { DEFAULT_TIME_ZONE, LogLevel, type ConfigSpec } from '../common/index.ts';

/** `sunshare demo` options: a simulated county on an accelerated clock, every component in one process. */
export const DemoConfig = Type.Object(
  {
    sites: Type.Integer({ minimum: 1, maximum: 200, default: 3, description: 'simulated sites' }),
    siteKw: Type.Integer({ minimum: 15, maximum: 10_000, default: 300, description: 'capacity per site, kW' }),
    inverterKw: Type.Integer({ minimum: 1, maximum: 1000, default: 50, description: 'inverter size, kW (a site gets siteKw / inverterKw of them)' }),
    households: Type.Integer({ minimum: 0, maximum: 1000, default: 20, description: 'households per site, 3 kW share each' }),
    daySeconds: Type.Number({ minimum: 5, maximum: 86_400, default: 60, description: 'real seconds per simulated day' }),
    pollMs: Type.Integer({ minimum: 100, maximum: 60_000, default: 500, description: 'gateway poll interval, real ms' }),
    start: Type.Optional(Type.String({ description: `simulated start, YYYY-MM-DD[THH:MM] local; default today 04:00 in ${DEFAULT_TIME_ZONE}` })),
    seed: Type.Integer({ default: 1, description: 'weather seed' }),
    dataDir: Type.String({ default: 'data/demo', description: 'ledger, broker sessions and gateway spools' }),
    host: Type.String({ default: '127.0.0.1' }),
    apiPort: Type.Integer({ minimum: 0, maximum: 65_535, default: 8080 }),
    mqttPort: Type.Integer({ minimum: 0, maximum: 65_535, default: 1884, description: 'embedded broker (1884: a system Mosquitto often holds 1883)' }),
    fresh: Type.Boolean({ default: false, description: 'start over: move the data dir aside (renamed with a timestamp, never deleted) and restart the simulated clock; by default a run resumes the last one' }),
    logLevel: Type.Optional(LogLevel),
  },
  { additionalProperties: false },
);
export type DemoConfig = Static<typeof DemoConfig>;

/** `sunshare demo`: the --config file, then LOG_LEVEL, then these flags. */
export const DEMO_CONFIG = {
  name: 'demo options',
  schema: DemoConfig,
  flags: {
    sites: '/sites',
    siteKw: '/siteKw',
    inverterKw: '/inverterKw',
    households: '/households',
    daySeconds: '/daySeconds',
    pollMs: '/pollMs',
    start: '/start',
    seed: '/seed',
    dataDir: '/dataDir',
    host: '/host',
    apiPort: '/apiPort',
    mqttPort: '/mqttPort',
    fresh: '/fresh',
    logLevel: '/logLevel',
  },
  env: { LOG_LEVEL: '/logLevel' },
} satisfies ConfigSpec<typeof DemoConfig>;

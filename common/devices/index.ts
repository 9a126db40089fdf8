/** Device register maps (SunSpec models, vendor maps) and the codec both the simulator and the gateway use. */
export * from './schema.ts';
export * from './codec.ts';
export * from './load.ts';
export * from './sunspec.ts';
export * from './dlt645/index.ts';

/** Device register maps (SunSpec models, vendor maps) and the codec both the simulator and the gateway use. */
export * from './schema.js';
export * from './codec.js';
export * from './load.js';
export * from './sunspec.js';

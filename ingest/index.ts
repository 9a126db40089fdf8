export { startIngest, type IngestHandle, type IngestStats } from './service.js';
export { IngestConfig } from './config.js';
export { computeDay, type DailyEnergy, type DailyMethod } from './energy/daily.js';
export { settle } from './energy/settle.js';

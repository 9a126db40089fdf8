export { startIngest, type IngestHandle, type IngestStats } from './service.ts';
export { IngestConfig } from './config.ts';
export { computeDay, type DailyEnergy, type DailyMethod } from './energy/daily.ts';
export { settle } from './energy/settle.ts';
export { readingLine, batchLine, statusLines, COUNTER_FIELDS } from './points.ts';

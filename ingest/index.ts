export { startIngest, type IngestHandle, type IngestStats } from './service.ts';
export { IngestConfig } from './config.ts';
export { computeDay, type DailyEnergy, type DailyMethod } from './energy/daily.ts';
export { closeEnergyDays, type CloseEnergyDaysOptions, type CloseEnergyDaysResult } from './energy/close-days.ts';
export { readingLine, batchLine, statusLines, COUNTER_FIELDS } from './points.ts';
export { listDeadLetters, requestReplays, type DeadLetterFilter, type ListedDeadLetter, type ReplayRequestResult } from './dead-letters/store.ts';
export { createInfluxWriter, type InfluxWriter } from './influx-writer.ts';

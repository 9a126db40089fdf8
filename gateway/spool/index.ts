export { Spool, type SpoolEntry, type SpoolOptions, type SpoolStats } from './spool.ts';
export { NumberFile, SeqFile } from './seq-file.ts';
export { MemoryBuffer, type HeldBatch, type MemoryBufferStats } from './memory-buffer.ts';
export { DiskHealth, type DiskHealthStats } from './disk-health.ts';

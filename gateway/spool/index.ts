export { Spool, type SpoolEntry, type SpoolOptions, type SpoolStats } from './spool.ts';
export { NumberFile, SeqFile } from './seq-file.ts';

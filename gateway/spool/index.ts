export { Spool, type SpoolEntry, type SpoolOptions, type SpoolStats } from './spool.js';
export { NumberFile, SeqFile } from './seq-file.js';

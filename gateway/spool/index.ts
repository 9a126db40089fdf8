export { Spool, type SpoolEntry, type SpoolOptions, type SpoolStats } from './spool.js';
export { SeqFile } from './seq-file.js';

import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SunshareError } from '../../common/errors.js';

/**
 * The last seq used, in `<dir>/seq`, replaced atomically. It is written after
 * the batch is in the spool: a crash in between is recovered from the spool
 * (Spool.maxSeq), so no seq is ever skipped or reused for different data.
 */
export class SeqFile {
  private readonly file: string;

  constructor(dir: string, private readonly fsync: boolean) {
    this.file = join(dir, 'seq');
  }

  /** The last seq written, or -1 when there is none yet. */
  read(): number {
    if (!existsSync(this.file)) return -1;
    const text = readFileSync(this.file, 'utf8').trim();
    const n = Number(text);
    if (!Number.isSafeInteger(n) || n < -1) {
      throw new SunshareError('SPOOL_SEQ_DAMAGED', `seq file ${this.file} holds "${text.slice(0, 40)}", not a number; fix or delete it (seq would restart at the spool's highest)`);
    }
    return n;
  }

  write(seq: number): void {
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, `${seq}\n`);
    if (this.fsync) {
      const fd = openSync(tmp, 'r');
      fsyncSync(fd);
      closeSync(fd);
    }
    renameSync(tmp, this.file);
  }
}

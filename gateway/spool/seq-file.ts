import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SunshareError, type ErrorCode } from '../../common/errors.ts';

/** One integer in a small file, replaced atomically (write to .tmp, fsync when asked, rename). */
export class NumberFile {
  readonly file: string;
  private readonly fsync: boolean;
  /** Names the file's job and what happens once it is deleted, for the error on a damaged file. */
  private readonly damaged: { code: ErrorCode; ifDeleted: string };

  constructor(file: string, fsync: boolean, damaged: { code: ErrorCode; ifDeleted: string }) {
    this.file = file;
    this.fsync = fsync;
    this.damaged = damaged;
  }

  /** The number written last, or undefined when the file does not exist yet. */
  read(): number | undefined {
    if (!existsSync(this.file)) return undefined;
    const text = readFileSync(this.file, 'utf8').trim();
    const n = Number(text);
    if (text === '' || !Number.isSafeInteger(n) || n < -1) {
      throw new SunshareError(this.damaged.code, `${this.file} holds "${text.slice(0, 40)}", not a number; fix or delete it (${this.damaged.ifDeleted})`);
    }
    return n;
  }

  write(n: number): void {
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, `${n}\n`);
    if (this.fsync) {
      const fd = openSync(tmp, 'r');
      fsyncSync(fd);
      closeSync(fd);
    }
    renameSync(tmp, this.file);
  }
}

/**
 * The last seq used, in `<dir>/seq`. It is written after the batch is in the
 * spool: a crash in between is recovered from the spool (Spool.maxSeq), so no
 * seq is ever skipped or reused for different data.
 */
export class SeqFile extends NumberFile {
  constructor(dir: string, fsync: boolean) {
    super(join(dir, 'seq'), fsync, { code: 'SPOOL_FILE_DAMAGED', ifDeleted: "seq would restart at the spool's highest" });
  }

  /** The last seq written, or -1 when there is none yet. */
  override read(): number {
    return super.read() ?? -1;
  }
}

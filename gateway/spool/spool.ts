import { closeSync, existsSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { encodeRecord, HEADER_BYTES, scanSegment } from './record.ts';

/**
 * Disk spool: an append-only log of telemetry batches in segment files, with a
 * replay cursor. Every batch is appended before it is sent, so a batch the
 * broker has not acknowledged is always on disk (kill -9 and power loss lose
 * nothing; a crash may only cause a batch to be sent twice).
 *
 * - Segments are never appended to after a restart (a new one is started), so
 *   a torn tail is only ever at the end of a closed segment, and is skipped.
 * - The cursor file names the first record not yet acknowledged; it is
 *   replaced atomically (write + rename).
 * - Beyond maxBytes the oldest segment is evicted and its unsent batches counted.
 * - No file is held open for writing between appends (each append opens, writes, fsyncs and
 *   closes): a filesystem remounted read-only after a power cut is never kept busy by the spool,
 *   and a failed append (ENOSPC, EROFS, EIO) throws with the segment cut back to its last whole
 *   record, so the caller can keep the batch elsewhere and append it again later.
 */
export interface SpoolOptions {
  dir: string;
  maxBytes: number;
  segmentBytes: number;
  fsync: 'always' | 'never';
}

export type EntryState = 'pending' | 'busy' | 'done';

export interface SpoolEntry {
  readonly seg: number;
  readonly off: number;
  readonly end: number;
  readonly seq: number;
  state: EntryState;
}

export interface SpoolStats {
  /** Bytes of segment files on disk. */
  bytes: number;
  /** Batches not yet acknowledged by the broker. */
  batches: number;
  /** Batches dropped unsent because the spool was full (since the spool was created). */
  evictedBatches: number;
  /** Damaged records skipped while reading segments (since the process started). */
  damagedRecords: number;
}

interface Segment {
  id: number;
  bytes: number;
}

const CURSOR_FILE = 'cursor.json';

/**
 * Reads a whole segment into one reused buffer: opening a full spool must not
 * allocate its size in fresh buffers (RSS on a 512 MB box stays flat).
 */
let scratch = Buffer.alloc(0);
function readSegment(file: string): Buffer {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    if (scratch.length < size) scratch = Buffer.allocUnsafe(Math.max(size, scratch.length * 2));
    let got = 0;
    while (got < size) {
      const n = readSync(fd, scratch, got, size - got, got);
      if (n === 0) break;
      got += n;
    }
    return scratch.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}
const segName = (id: number) => `seg-${String(id).padStart(12, '0')}.ssp`;
const SEG_RE = /^seg-(\d{12})\.ssp$/;

export class Spool {
  private readonly segments: Segment[] = [];
  private entries: SpoolEntry[] = [];
  private head = 0;
  private readPtr = 0;
  private active: Segment | undefined;
  private readFd: { seg: number; fd: number } | undefined;
  private evicted = 0;
  private damaged = 0;
  private cursorDirty = false;
  private pendingCount = 0;
  /** Highest seq seen in any record on disk at open, or in any appended since. */
  maxSeq = -1;

  private readonly opts: SpoolOptions;

  private constructor(opts: SpoolOptions) {
    this.opts = opts;
  }

  static open(opts: SpoolOptions): Spool {
    mkdirSync(opts.dir, { recursive: true });
    const spool = new Spool(opts);
    spool.load();
    return spool;
  }

  private load(): void {
    const cursor = this.readCursor();
    this.evicted = cursor.evicted;
    const ids = readdirSync(this.opts.dir)
      .map((f) => SEG_RE.exec(f)?.[1])
      .filter((m): m is string => m !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
    for (const id of ids) {
      const file = join(this.opts.dir, segName(id));
      if (id < cursor.seg) {
        try {
          unlinkSync(file);
        } catch {
          // a read-only filesystem: the segment stays until a later start can delete it
        }
        continue;
      }
      const buf = readSegment(file);
      const scan = scanSegment(buf);
      this.damaged += scan.damaged;
      this.segments.push({ id, bytes: buf.length });
      for (const r of scan.records) {
        this.maxSeq = Math.max(this.maxSeq, r.seq);
        if (id === cursor.seg && r.offset < cursor.off) continue;
        this.entries.push({ seg: id, off: r.offset, end: r.end, seq: r.seq, state: 'pending' });
        this.pendingCount++;
      }
    }
  }

  private readCursor(): { seg: number; off: number; evicted: number } {
    const file = join(this.opts.dir, CURSOR_FILE);
    if (!existsSync(file)) return { seg: 0, off: 0, evicted: 0 };
    try {
      const c = JSON.parse(readFileSync(file, 'utf8')) as { seg?: unknown; off?: unknown; evicted?: unknown };
      if (typeof c.seg === 'number' && typeof c.off === 'number') return { seg: c.seg, off: c.off, evicted: typeof c.evicted === 'number' ? c.evicted : 0 };
    } catch {
      // A damaged cursor means replaying from the oldest segment: duplicates, never gaps.
    }
    return { seg: 0, off: 0, evicted: 0 };
  }

  /**
   * Appends a batch; it is on disk (fsync policy permitting) when this returns. Throws the
   * filesystem's error (ENOSPC, EROFS, EIO...) when it cannot be written; the spool is then as
   * before the call.
   */
  append(seq: number, payload: Buffer): SpoolEntry {
    const rec = encodeRecord(seq, payload);
    const seg = this.activeSegment(rec.length);
    const off = seg.bytes;
    const fd = openSync(join(this.opts.dir, segName(seg.id)), 'r+');
    try {
      for (let done = 0; done < rec.length; ) done += writeSync(fd, rec, done, rec.length - done, off + done);
      if (this.opts.fsync === 'always') fsyncSync(fd);
    } catch (err) {
      try {
        ftruncateSync(fd, off); // a partly written record would otherwise sit under the next one
      } catch {
        // the scan on the next start skips a torn record anyway
      }
      throw err;
    } finally {
      closeSync(fd);
    }
    seg.bytes += rec.length;
    const entry: SpoolEntry = { seg: seg.id, off, end: off + rec.length, seq, state: 'pending' };
    this.entries.push(entry);
    this.pendingCount++;
    this.maxSeq = Math.max(this.maxSeq, seq);
    this.evictBeyondMax();
    return entry;
  }

  private activeSegment(nextRecordBytes: number): Segment {
    if (this.active && (this.active.bytes + nextRecordBytes <= this.opts.segmentBytes || this.active.bytes === 0)) return this.active;
    const id = (this.segments.at(-1)?.id ?? 0) + 1;
    closeSync(openSync(join(this.opts.dir, segName(id)), 'wx'));
    const seg = { id, bytes: 0 };
    this.segments.push(seg);
    this.active = seg;
    if (this.opts.fsync === 'always') this.syncDir();
    return seg;
  }

  private syncDir(): void {
    const fd = openSync(this.opts.dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  private evictBeyondMax(): void {
    while (this.bytes() > this.opts.maxBytes && this.segments.length > 1) {
      const oldest = this.segments.shift() as Segment;
      let n = this.head;
      while (n < this.entries.length && (this.entries[n] as SpoolEntry).seg === oldest.id) {
        const e = this.entries[n] as SpoolEntry;
        if (e.state !== 'done') {
          this.evicted++;
          this.pendingCount--;
        }
        e.state = 'done';
        n++;
      }
      this.readPtr = Math.max(this.readPtr, n);
      this.head = n;
      this.deleteSegmentFile(oldest.id);
      this.cursorDirty = true;
      this.compact();
    }
  }

  private deleteSegmentFile(id: number): void {
    if (this.readFd?.seg === id) {
      closeSync(this.readFd.fd);
      this.readFd = undefined;
    }
    try {
      unlinkSync(join(this.opts.dir, segName(id)));
    } catch {
      // already gone
    }
  }

  private bytes(): number {
    return this.segments.reduce((sum, s) => sum + s.bytes, 0);
  }

  /** The oldest batch neither acknowledged nor in flight, marked busy; undefined when there is none. */
  next(): SpoolEntry | undefined {
    while (this.readPtr < this.entries.length) {
      const e = this.entries[this.readPtr++] as SpoolEntry;
      if (e.state === 'pending') {
        e.state = 'busy';
        return e;
      }
    }
    return undefined;
  }

  read(e: SpoolEntry): Buffer {
    if (this.readFd?.seg !== e.seg) {
      if (this.readFd) closeSync(this.readFd.fd);
      this.readFd = { seg: e.seg, fd: openSync(join(this.opts.dir, segName(e.seg)), 'r') };
    }
    const len = e.end - e.off - HEADER_BYTES;
    const buf = Buffer.allocUnsafe(len);
    readSync(this.readFd.fd, buf, 0, len, e.off + HEADER_BYTES);
    return buf;
  }

  /** The broker acknowledged the batch. */
  ack(e: SpoolEntry): void {
    if (e.state === 'done') return;
    e.state = 'done';
    this.pendingCount--;
    const before = this.head;
    while (this.head < this.entries.length && (this.entries[this.head] as SpoolEntry).state === 'done') this.head++;
    if (this.head === before) return;
    this.cursorDirty = true;
    const firstLive = this.entries[this.head]?.seg ?? this.active?.id ?? Infinity;
    while (this.segments.length > 0 && (this.segments[0] as Segment).id < firstLive && (this.segments[0] as Segment) !== this.active) {
      this.deleteSegmentFile((this.segments.shift() as Segment).id);
    }
    this.compact();
  }

  /** The connection dropped: every batch in flight is sent again (duplicates allowed, gaps not). */
  rewind(): void {
    for (let i = this.head; i < this.entries.length; i++) {
      const e = this.entries[i] as SpoolEntry;
      if (e.state === 'busy') e.state = 'pending';
    }
    this.readPtr = this.head;
  }

  private compact(): void {
    if (this.head < 1024 || this.head * 2 < this.entries.length) return;
    this.entries = this.entries.slice(this.head);
    this.readPtr = Math.max(0, this.readPtr - this.head);
    this.head = 0;
  }

  /** Persists the cursor when it moved; cheap to call often. Throws when it cannot be written (it is tried again on the next call). */
  saveCursor(): void {
    if (!this.cursorDirty) return;
    const first = this.entries[this.head];
    const cursor = first ? { seg: first.seg, off: first.off } : { seg: this.active?.id ?? (this.segments.at(-1)?.id ?? 0) + 1, off: this.active?.bytes ?? 0 };
    const file = join(this.opts.dir, CURSOR_FILE);
    // Not fsynced on purpose: a cursor that lags after power loss only means batches are sent again
    // (ingest is idempotent), and an fsync here would stall polling on slow flash.
    writeFileSync(`${file}.tmp`, JSON.stringify({ ...cursor, evicted: this.evicted }));
    renameSync(`${file}.tmp`, file);
    this.cursorDirty = false;
  }

  stats(): SpoolStats {
    return { bytes: this.bytes(), batches: this.pendingCount, evictedBatches: this.evicted, damagedRecords: this.damaged };
  }

  /** Closes the spool; a cursor that cannot be written (read-only filesystem) only means batches are sent again. */
  close(): void {
    try {
      this.saveCursor();
    } catch {
      // see above
    }
    if (this.readFd) closeSync(this.readFd.fd);
    this.active = undefined;
    this.readFd = undefined;
  }
}

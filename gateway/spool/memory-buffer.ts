import type { SpoolEntry } from './spool.ts';

/** A batch the spool could not take (disk full, read-only, I/O error), held in memory. */
export interface HeldBatch {
  readonly seq: number;
  readonly payload: Buffer;
  /** Readings in the batch: what an eviction loses. */
  readonly readings: number;
  /** pending: waiting to be sent; busy: in flight; done: acknowledged, spooled or evicted (gone from the buffer). */
  state: 'pending' | 'busy' | 'done';
  /** Set when the batch reached the spool after all, while it was in flight: its acknowledgement goes there. */
  spooled?: SpoolEntry;
}

export interface MemoryBufferStats {
  /** Batches held now. */
  batches: number;
  /** Their payload bytes. */
  bytes: number;
  /** Batches dropped because the buffer was full, oldest first (since the gateway started). */
  evictedBatches: number;
  /** The readings in those batches. */
  evictedReadings: number;
}

/**
 * The bounded memory buffer behind the disk spool, oldest batch first. A batch leaves it when
 * the broker acknowledges it, when a retried spool write takes it, or, once the held payloads
 * pass maxBytes, by eviction: the oldest batch not in flight goes first, and every eviction is
 * counted and reported to `onEvict`. Batches in flight are never evicted (at most the publisher's
 * in-flight limit of them can sit above the bound until they are acknowledged or sent back).
 */
export class MemoryBuffer {
  private held: HeldBatch[] = [];
  private heldBytes = 0;
  private evictedBatches = 0;
  private evictedReadings = 0;
  private readonly maxBytes: number;
  private readonly onEvict: (batch: HeldBatch) => void;

  constructor(maxBytes: number, onEvict: (batch: HeldBatch) => void) {
    this.maxBytes = maxBytes;
    this.onEvict = onEvict;
  }

  get size(): number {
    return this.held.length;
  }

  /** Holds a batch, then evicts the oldest ones not in flight while the bound is passed. */
  hold(seq: number, payload: Buffer, readings: number): HeldBatch {
    const batch: HeldBatch = { seq, payload, readings, state: 'pending' };
    this.held.push(batch);
    this.heldBytes += payload.length;
    for (let i = 0; this.heldBytes > this.maxBytes && i < this.held.length; ) {
      const oldest = this.held[i] as HeldBatch;
      if (oldest.state === 'busy') {
        i++;
        continue;
      }
      this.drop(i);
      this.evictedBatches++;
      this.evictedReadings += oldest.readings;
      this.onEvict(oldest);
    }
    return batch;
  }

  /** The oldest batch neither in flight nor gone, marked busy. */
  next(): HeldBatch | undefined {
    const b = this.held.find((h) => h.state === 'pending');
    if (b) b.state = 'busy';
    return b;
  }

  /** Every batch held, oldest first (for moving them to the spool). */
  all(): readonly HeldBatch[] {
    return [...this.held];
  }

  /** The batch left the buffer: acknowledged by the broker or written to the spool. */
  release(batch: HeldBatch): void {
    const i = this.held.indexOf(batch);
    if (i >= 0) this.drop(i);
  }

  /** The connection dropped: what was in flight goes again. */
  rewind(): void {
    for (const h of this.held) if (h.state === 'busy') h.state = 'pending';
  }

  stats(): MemoryBufferStats {
    return { batches: this.held.length, bytes: this.heldBytes, evictedBatches: this.evictedBatches, evictedReadings: this.evictedReadings };
  }

  private drop(i: number): void {
    const [b] = this.held.splice(i, 1) as [HeldBatch];
    b.state = 'done';
    this.heldBytes -= b.payload.length;
  }
}

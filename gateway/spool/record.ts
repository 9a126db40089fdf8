import { crc32 } from 'node:zlib';

/**
 * One spool record on disk:
 *   magic "SSP1" (4) | payload length u32 LE (4) | seq f64 LE (8) | crc32 of length+seq+payload (4) | payload
 * The magic lets a reader resynchronise after a damaged record instead of
 * giving up on the rest of the segment.
 */
export const MAGIC = Buffer.from('SSP1', 'latin1');
export const HEADER_BYTES = 20;
export const MAX_PAYLOAD = 16 * 1024 * 1024;

export function encodeRecord(seq: number, payload: Buffer): Buffer {
  const buf = Buffer.allocUnsafe(HEADER_BYTES + payload.length);
  MAGIC.copy(buf, 0);
  buf.writeUInt32LE(payload.length, 4);
  buf.writeDoubleLE(seq, 8);
  payload.copy(buf, HEADER_BYTES);
  buf.writeUInt32LE(checksum(buf, payload.length), 16);
  return buf;
}

function checksum(buf: Buffer, payloadLength: number): number {
  return crc32(buf.subarray(HEADER_BYTES, HEADER_BYTES + payloadLength), crc32(buf.subarray(4, 16)));
}

export interface DecodedRecord {
  /** Offset of the record within the buffer/segment. */
  offset: number;
  /** Offset just past it. */
  end: number;
  seq: number;
  payload: Buffer;
}

export type DecodeResult = { kind: 'record'; record: DecodedRecord } | { kind: 'incomplete' } | { kind: 'damaged' };

/** Decodes the record at `offset` (buffer positions; `base` is added to the reported offsets). */
export function decodeAt(buf: Buffer, offset: number, base = 0): DecodeResult {
  if (buf.length - offset < HEADER_BYTES) return buf.length === offset ? { kind: 'incomplete' } : partialOrDamaged(buf, offset);
  if (buf.compare(MAGIC, 0, 4, offset, offset + 4) !== 0) return { kind: 'damaged' };
  const len = buf.readUInt32LE(offset + 4);
  if (len > MAX_PAYLOAD) return { kind: 'damaged' };
  if (buf.length - offset < HEADER_BYTES + len) return { kind: 'incomplete' };
  const view = buf.subarray(offset, offset + HEADER_BYTES + len);
  if (view.readUInt32LE(16) !== checksum(view, len)) return { kind: 'damaged' };
  return {
    kind: 'record',
    record: { offset: base + offset, end: base + offset + HEADER_BYTES + len, seq: view.readDoubleLE(8), payload: view.subarray(HEADER_BYTES) },
  };
}

function partialOrDamaged(buf: Buffer, offset: number): DecodeResult {
  const n = Math.min(4, buf.length - offset);
  return buf.compare(MAGIC, 0, n, offset, offset + n) === 0 ? { kind: 'incomplete' } : { kind: 'damaged' };
}

/** Position of the next magic after a damaged record, or -1. */
export function resync(buf: Buffer, from: number): number {
  return buf.indexOf(MAGIC, from + 1);
}

/**
 * Every intact record in a segment's bytes. A damaged record is skipped by
 * searching for the next magic; a torn tail (a write cut short by a crash)
 * simply ends the list. Returns how many damaged spots were skipped.
 */
export function scanSegment(buf: Buffer): { records: DecodedRecord[]; damaged: number; tornTail: boolean } {
  const records: DecodedRecord[] = [];
  let damaged = 0;
  let offset = 0;
  while (offset < buf.length) {
    const r = decodeAt(buf, offset);
    if (r.kind === 'record') {
      records.push(r.record);
      offset = r.record.end;
      continue;
    }
    const next = resync(buf, offset);
    if (r.kind === 'incomplete' && next < 0) return { records, damaged, tornTail: true };
    damaged++;
    if (next < 0) break;
    offset = next;
  }
  return { records, damaged, tornTail: false };
}

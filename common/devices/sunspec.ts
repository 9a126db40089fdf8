import type { SunSpecModel, SunSpecPoint } from './schema.ts';

/**
 * SunSpec register layout. A device's map starts at one of the base
 * addresses with the marker 'SunS' (2 registers); then models follow, each
 * `ID, L, <L data registers>`; the chain ends with ID 0xFFFF, L 0.
 */
export const SUNSPEC_BASE_ADDRESSES = [40000, 0, 50000] as const;
/** 'SunS' as two registers. */
export const SUNS_MARKER = [0x5375, 0x6e53] as const;
export const END_MODEL_ID = 0xffff;

/** Register address of a fixed-block point of the model whose ID register is at `modelStart`. */
export function pointAddress(modelStart: number, point: Pick<SunSpecPoint, 'offset'>): number {
  return modelStart + 2 + point.offset;
}

/** Register address of point `point` in repeating block `index` (0-based) of a model at `modelStart`. */
export function repeatingPointAddress(model: SunSpecModel, modelStart: number, index: number, point: Pick<SunSpecPoint, 'offset'>): number {
  const blockLength = model.repeating?.blockLength ?? 0;
  return modelStart + 2 + model.length + index * blockLength + point.offset;
}

/** The L a device announces for a model with `blocks` repeating blocks. */
export function modelLength(model: SunSpecModel, blocks = 0): number {
  return model.length + blocks * (model.repeating?.blockLength ?? 0);
}

/**
 * A device's registers: blocks of contiguous addresses per register type.
 * A read must fall inside one block, otherwise the device answers Modbus
 * exception 2 (illegal data address), as real devices do.
 */
export type RegisterKind = 'holding' | 'input';

export class ModbusException extends Error {
  readonly modbusErrorCode: number;

  constructor(
    modbusErrorCode: number,
    message: string,
  ) {
    super(message);
    this.modbusErrorCode = modbusErrorCode;
  }
}

interface Block {
  start: number;
  words: Uint16Array;
}

export class RegisterBank {
  private blocks: Record<RegisterKind, Block[]> = { holding: [], input: [] };

  /** Declares a block of `length` registers at `start` (zero-filled). */
  addBlock(kind: RegisterKind, start: number, length: number): void {
    this.blocks[kind].push({ start, words: new Uint16Array(length) });
    this.blocks[kind].sort((a, b) => a.start - b.start);
  }

  private blockFor(kind: RegisterKind, address: number, length: number): Block | undefined {
    return this.blocks[kind].find((b) => address >= b.start && address + length <= b.start + b.words.length);
  }

  write(kind: RegisterKind, address: number, words: readonly number[]): void {
    const b = this.blockFor(kind, address, words.length);
    if (!b) throw new RangeError(`no ${kind} block holds registers ${address}..${address + words.length - 1}`);
    b.words.set(words, address - b.start);
  }

  read(kind: RegisterKind, address: number, length: number): number[] {
    const b = this.blockFor(kind, address, length);
    if (!b || length < 1 || length > 125) {
      throw new ModbusException(2, `illegal data address: ${kind} ${address}..${address + length - 1}`);
    }
    return Array.from(b.words.subarray(address - b.start, address - b.start + length));
  }

  /** An independent copy (a stuck device keeps serving this). */
  clone(): RegisterBank {
    const copy = new RegisterBank();
    for (const kind of ['holding', 'input'] as const) {
      copy.blocks[kind] = this.blocks[kind].map((b) => ({ start: b.start, words: b.words.slice() }));
    }
    return copy;
  }
}

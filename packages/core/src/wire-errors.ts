import { ElaraError } from './elara-error.ts';

/** Base of every error a wire decoder or encoder raises on bad bytes or bad values. */
export class WireError extends ElaraError {
  static override readonly code: string = 'WireError';
}

/** Fewer bytes than a field needs. Mirrors the reference's `BufferTooShort`. */
export class BufferTooShortError extends WireError {
  static override readonly code: string = 'BufferTooShortError';
  constructor(
    readonly expected: number,
    readonly actual: number,
    what = 'buffer',
  ) {
    super(`${what}: needs ${expected} bytes, has ${actual}`);
  }
}

/** Bytes that do not form a valid structure. Mirrors the reference's `InvalidWireFormat`. */
export class InvalidWireFormatError extends WireError {
  static override readonly code: string = 'InvalidWireFormatError';
}

/** A value too large for its length field or the frame budget (never truncated). */
export class TooLargeError extends WireError {
  static override readonly code: string = 'TooLargeError';
  constructor(
    readonly size: number,
    readonly limit: number,
    what = 'value',
  ) {
    super(`${what}: ${size} bytes exceeds the limit of ${limit}`);
  }
}

/** An enumeration byte that has no meaning on the wire (e.g. `UnknownPacketClass`). */
export class UnknownEnumValueError extends WireError {
  static override readonly code: string = 'UnknownEnumValueError';
  constructor(
    readonly enumName: string,
    readonly value: number,
  ) {
    super(`unknown ${enumName} value 0x${value.toString(16).padStart(2, '0')}`);
  }
}

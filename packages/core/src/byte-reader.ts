import { OutOfRangeError } from './elara-error.ts';
import { BufferTooShortError } from './wire-errors.ts';

/**
 * A bounded little-endian cursor over bytes. Every read checks the bound first and throws
 * {@link BufferTooShortError} instead of reading past the end. `bytes()` returns views into the
 * input (no copy): they are valid only as long as the input is. A reader can be re-pointed with
 * {@link ByteReader.reset} so hot paths allocate nothing per packet. A count given to `need`,
 * `skip` or `bytes` that is not a non-negative integer is an {@link OutOfRangeError} (a negative
 * or fractional count would move the cursor backwards or off a byte boundary).
 *
 * @example
 * const r = new ByteReader(datagram);
 * const kind = r.u8();
 * const session = r.u64();
 */
export class ByteReader {
  private buf: Uint8Array;
  private view: DataView;
  private pos: number;
  private end: number;

  constructor(bytes: Uint8Array = new Uint8Array(0)) {
    this.buf = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = 0;
    this.end = bytes.byteLength;
  }

  /** Re-points the reader at new bytes, from offset 0. */
  reset(bytes: Uint8Array): this {
    if (bytes !== this.buf)
      this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.buf = bytes;
    this.pos = 0;
    this.end = bytes.byteLength;
    return this;
  }

  /** Current read offset from the start of the input. */
  get offset(): number {
    return this.pos;
  }

  /** Bytes left to read. */
  get remaining(): number {
    return this.end - this.pos;
  }

  /**
   * Throws unless at least `n` bytes remain: {@link BufferTooShortError} when they do not,
   * {@link OutOfRangeError} when `n` is not a non-negative safe integer.
   */
  need(n: number, what?: string): void {
    if (!Number.isSafeInteger(n) || n < 0) {
      throw new OutOfRangeError(`${what ?? 'byte count'} ${n} is not a non-negative integer`);
    }
    this.room(n, what);
  }

  /** Moves the cursor forward by `n` bytes (bounded; `n` checked as in {@link need}). */
  skip(n: number): void {
    this.need(n);
    this.pos += n;
  }

  // The fixed-size reads pass constant counts, so they skip the integer check `need` makes.
  private room(n: number, what?: string): void {
    if (this.end - this.pos < n) throw new BufferTooShortError(this.pos + n, this.end, what);
  }

  /** Reads an unsigned 8-bit integer. */
  u8(): number {
    this.room(1);
    return this.view.getUint8(this.pos++);
  }

  /** Reads an unsigned 16-bit little-endian integer. */
  u16(): number {
    this.room(2);
    const v = this.view.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }

  /** Reads an unsigned 32-bit little-endian integer. */
  u32(): number {
    this.room(4);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  /** Reads a signed 32-bit little-endian integer. */
  i32(): number {
    this.room(4);
    const v = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }

  /** Reads an unsigned 64-bit little-endian integer as a bigint. */
  u64(): bigint {
    this.room(8);
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** Reads a signed 64-bit little-endian integer as a bigint. */
  i64(): bigint {
    this.room(8);
    const v = this.view.getBigInt64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** Reads an IEEE-754 single-precision little-endian float (widened to a double). */
  f32(): number {
    this.room(4);
    const v = this.view.getFloat32(this.pos, true);
    this.pos += 4;
    return v;
  }

  /** A view (no copy) of the next `n` bytes (`n` checked as in {@link need}). */
  bytes(n: number): Uint8Array {
    this.need(n);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  /** A view of everything not yet read. */
  rest(): Uint8Array {
    const v = this.buf.subarray(this.pos, this.end);
    this.pos = this.end;
    return v;
  }
}

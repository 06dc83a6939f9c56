import { OutOfRangeError } from './elara-error.ts';
import { isU64 } from './u64.ts';
import { TooLargeError } from './wire-errors.ts';

/**
 * A bounded little-endian writer into a fixed-capacity buffer. Writing past the capacity
 * throws {@link TooLargeError}; integer fields outside their range throw
 * {@link OutOfRangeError} (nothing is silently truncated). Call {@link ByteWriter.reset} to
 * reuse the buffer on hot paths; {@link ByteWriter.finish} returns a view of what was written.
 *
 * @example
 * const w = new ByteWriter(64);
 * w.u8(0x10); w.u64(sessionId);
 * socket.send(w.finish());
 */
export class ByteWriter {
  private readonly buf: Uint8Array;
  private readonly view: DataView;
  private pos = 0;

  /**
   * `capacity` must be an integer ≥ 0, else {@link OutOfRangeError} (`new Uint8Array` would
   * truncate 1.5, treat NaN as 0 and throw a plain RangeError for −1). `what` names the buffer
   * in errors.
   */
  constructor(
    capacity: number,
    private readonly what = 'buffer',
  ) {
    if (!Number.isSafeInteger(capacity) || capacity < 0)
      throw new OutOfRangeError(`${what}: capacity ${capacity} is not an integer ≥ 0`);
    this.buf = new Uint8Array(capacity);
    this.view = new DataView(this.buf.buffer);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.pos;
  }

  /** Maximum number of bytes this writer accepts. */
  get capacity(): number {
    return this.buf.byteLength;
  }

  /** Forgets what was written; the buffer is reused. */
  reset(): this {
    this.pos = 0;
    return this;
  }

  private room(n: number): void {
    if (this.pos + n > this.buf.byteLength) {
      throw new TooLargeError(this.pos + n, this.buf.byteLength, this.what);
    }
  }

  /** Writes an unsigned 8-bit integer (0..255). */
  u8(v: number): this {
    checkInt(v, 0, 0xff, 'u8');
    this.room(1);
    this.view.setUint8(this.pos++, v);
    return this;
  }

  /** Writes an unsigned 16-bit little-endian integer (0..65535). */
  u16(v: number): this {
    checkInt(v, 0, 0xffff, 'u16');
    this.room(2);
    this.view.setUint16(this.pos, v, true);
    this.pos += 2;
    return this;
  }

  /** Writes an unsigned 32-bit little-endian integer (0..2^32 − 1). */
  u32(v: number): this {
    checkInt(v, 0, 0xffff_ffff, 'u32');
    this.room(4);
    this.view.setUint32(this.pos, v, true);
    this.pos += 4;
    return this;
  }

  /** Writes a signed 32-bit little-endian integer (−2^31..2^31 − 1). */
  i32(v: number): this {
    checkInt(v, -0x8000_0000, 0x7fff_ffff, 'i32');
    this.room(4);
    this.view.setInt32(this.pos, v, true);
    this.pos += 4;
    return this;
  }

  /** Writes an unsigned 64-bit little-endian integer (a bigint in 0..2^64 − 1). */
  u64(v: bigint): this {
    if (!isU64(v)) throw new OutOfRangeError(`u64 out of range: ${String(v)}`);
    this.room(8);
    this.view.setBigUint64(this.pos, v, true);
    this.pos += 8;
    return this;
  }

  /** Writes a signed 64-bit little-endian integer (a bigint in −2^63..2^63 − 1). */
  i64(v: bigint): this {
    if (typeof v !== 'bigint' || BigInt.asIntN(64, v) !== v) {
      throw new OutOfRangeError(`i64 out of range: ${String(v)}`);
    }
    this.room(8);
    this.view.setBigInt64(this.pos, v, true);
    this.pos += 8;
    return this;
  }

  /** Writes an IEEE-754 single-precision float, little-endian (rounded to the nearest f32). */
  f32(v: number): this {
    this.room(4);
    this.view.setFloat32(this.pos, v, true);
    this.pos += 4;
    return this;
  }

  /** Copies `bytes` in. */
  bytes(bytes: Uint8Array): this {
    this.room(bytes.byteLength);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.byteLength;
    return this;
  }

  /** A view of the bytes written so far (valid until the next write or reset). */
  finish(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }

  /** A copy of the bytes written so far. */
  toBytes(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}

function checkInt(v: number, min: number, max: number, kind: string): void {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new OutOfRangeError(`${kind} out of range: ${v}`);
  }
}

import { describe, expect, it } from 'vitest';
import {
  BufferTooShortError,
  ElaraError,
  InvalidWireFormatError,
  TooLargeError,
  WireError,
} from '../src/index.ts';

describe('named errors', () => {
  it('carry their class chain and are recognised by isInstance', () => {
    const e = new BufferTooShortError(30, 12, 'header');
    expect(e.code).toBe('BufferTooShortError');
    expect(e.name).toBe('BufferTooShortError');
    expect(e.message).toBe('header: needs 30 bytes, has 12');
    expect(BufferTooShortError.isInstance(e)).toBe(true);
    expect(WireError.isInstance(e)).toBe(true);
    expect(ElaraError.isInstance(e)).toBe(true);
    expect(InvalidWireFormatError.isInstance(e)).toBe(false);
    expect(TooLargeError.isInstance(new Error('x'))).toBe(false);
    expect(ElaraError.isInstance(null)).toBe(false);
  });

  it('are recognised across duplicate copies of the class', () => {
    // A second copy of core defines a class with the same code; Symbol.for makes the mark shared.
    class OtherCopyBufferTooShort extends ElaraError {
      static override readonly code = 'BufferTooShortError';
    }
    const foreign = new OtherCopyBufferTooShort('from another copy');
    expect(foreign instanceof BufferTooShortError).toBe(false);
    expect(BufferTooShortError.isInstance(foreign)).toBe(true);
  });
});

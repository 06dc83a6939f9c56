import { describe, expect, it } from 'vitest';
import type * as ElaraErrorModule from '../src/elara-error.ts';
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

  it('are recognised across a genuinely separate copy of the module', async () => {
    // A query string makes vitest load elara-error.ts again as a separate module instance: a
    // stand-in for a second installed copy of core. Only a registry-wide Symbol.for key can be
    // shared between the two; a module-local Symbol would fail every cross-copy check below.
    const specifier = '../src/elara-error.ts?copy=2';
    const copy = (await import(/* @vite-ignore */ specifier)) as typeof ElaraErrorModule;
    const local = await import('../src/elara-error.ts');
    expect(copy.ElaraError).not.toBe(local.ElaraError);
    expect(copy.OutOfRangeError).not.toBe(local.OutOfRangeError);

    const foreign = new copy.OutOfRangeError('from another copy');
    expect(foreign instanceof local.OutOfRangeError).toBe(false);
    expect(foreign instanceof local.ElaraError).toBe(false);
    expect(local.OutOfRangeError.isInstance(foreign)).toBe(true);
    expect(local.ElaraError.isInstance(foreign)).toBe(true);
    expect(local.ParseError.isInstance(foreign)).toBe(false);
    // And the other way round, with a subclass defined on this copy.
    const ours = new BufferTooShortError(1, 0);
    expect(copy.ElaraError.isInstance(ours)).toBe(true);
    expect(copy.OutOfRangeError.isInstance(ours)).toBe(false);
  });
});

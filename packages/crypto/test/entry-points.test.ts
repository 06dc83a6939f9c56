import { expect, it } from 'vitest';
import * as main from '../src/index.ts';
import * as portable from '../src/portable/index.ts';

// The two entries list the same public surface; the portable one only leaves out the native
// provider (and its default picks the portable provider). Nothing may drift between them.
it('the portable entry exports everything the main entry does, except the native provider', () => {
  const mainNames = Object.keys(main)
    .filter((n) => n !== 'nativeCryptoProvider')
    .sort();
  expect(Object.keys(portable).sort()).toEqual(mainNames);
  expect(portable.defaultCryptoProvider).toBe(portable.portableCryptoProvider);
  expect(main.defaultCryptoProvider).not.toBe(portable.portableCryptoProvider);
});

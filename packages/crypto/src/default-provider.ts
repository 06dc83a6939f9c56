import type { CryptoProvider, CryptoProviderOptions } from './crypto-provider.ts';
import { nativeCryptoProvider } from './native/native-provider.ts';

/**
 * The provider to use when the caller names none: the native one, since this entry point
 * targets Node. Browser code imports `@elara/crypto/portable` instead, whose
 * `defaultCryptoProvider` is the portable provider.
 *
 * @example
 * const identity = Identity.generate(defaultCryptoProvider());
 */
export function defaultCryptoProvider(options: CryptoProviderOptions = {}): CryptoProvider {
  return nativeCryptoProvider(options);
}

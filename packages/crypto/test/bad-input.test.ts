import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import nacl from 'tweetnacl';
import { fromHex } from '@elara/test-env';
import { ClosedError, ElaraError, OutOfRangeError } from '@elara/core';
import {
  InvalidLengthError,
  MalformedSignatureError,
  TruncatedCiphertextError,
  type CryptoProvider,
} from '../src/index.ts';
import { channelPair } from './channel-harness.ts';
import { L, fromLe, le32 } from './curve-math.ts';
import { bothProviders, utf8 } from './providers.ts';

const KEY = new Uint8Array(32).fill(1);
const NONCE = new Uint8Array(12).fill(2);
const EMPTY = new Uint8Array(0);
const WRONG_32 = [0, 16, 31, 33, 64];
const WRONG_12 = [0, 8, 11, 13, 24];
const NOT_BYTES: unknown[] = [
  'abc',
  null,
  undefined,
  7,
  [1, 2, 3],
  new Uint16Array(16),
  proxyOf(new Uint8Array(32)),
];

/**
 * A Proxy of a Uint8Array: `instanceof Uint8Array` says yes, but every read of it runs caller
 * code (`onRead`), which may call back into the provider in the middle of a computation.
 */
function proxyOf(bytes: Uint8Array, onRead: () => void = () => {}): Uint8Array {
  return new Proxy(bytes, {
    get(target, property) {
      onRead();
      const value = Reflect.get(target, property) as unknown;
      return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
    },
  });
}

// A signature with S ≥ L from Go's crypto/ed25519 malleability test (public test data).
const GO_MALLEABLE = {
  message: '54657374',
  signature:
    '7c38e026f29e14aabd059a0f2db8b0cd783040609a8be684db12f82a27774ab067654bce3832c2d76f8f6f5dafc08d9339d4eef676573336a5c51eb6f946b31d',
  publicKey: '7d4d0e7f6153a69b6242b522abbee685fda4420f8834b108c3bdae369ef549fa',
};

/** Calls `f` with `value` in the position under test; `any` is deliberate, callers lie. */
type Call = (value: never) => unknown;

/** A named error class, as far as these tests care: its code. */
interface Named {
  readonly code: string;
}

/** `f` throws exactly the named error `error` (same code, so the same class), nothing else. */
function expectNamed(f: () => unknown, error: Named): void {
  let thrown: unknown;
  try {
    f();
  } catch (e) {
    thrown = e;
  }
  expect(ElaraError.isInstance(thrown), `expected a named error, got ${String(thrown)}`).toBe(true);
  expect((thrown as ElaraError).code).toBe(error.code);
}

describe.each(bothProviders())('bad input on the $name provider', (crypto: CryptoProvider) => {
  const calls32: Record<string, Call> = {
    'AEAD key (seal)': (k) => crypto.aeadSeal(k, NONCE, EMPTY, EMPTY),
    'AEAD key (open)': (k) => crypto.aeadOpen(k, NONCE, new Uint8Array(16), EMPTY),
    'Ed25519 seed': (k) => crypto.ed25519SigningKey(k),
    'Ed25519 public key': (k) => crypto.ed25519VerifyingKey(k),
    'X25519 secret': (k) => crypto.x25519PrivateKey(k),
    'X25519 public key': (k) => crypto.x25519PublicKey(k),
    'X25519 peer key': (k) => crypto.x25519PrivateKey(KEY).agree(k),
  };

  it.each(Object.entries(calls32))(
    '%s: wrong lengths and non-bytes → InvalidLengthError',
    (_, call) => {
      for (const n of WRONG_32)
        expectNamed(() => call(new Uint8Array(n) as never), InvalidLengthError);
      for (const v of NOT_BYTES) expectNamed(() => call(v as never), InvalidLengthError);
    },
  );

  it('AEAD nonce: wrong lengths → InvalidLengthError', () => {
    for (const n of WRONG_12) {
      expectNamed(() => crypto.aeadSeal(KEY, new Uint8Array(n), EMPTY, EMPTY), InvalidLengthError);
      expectNamed(
        () => crypto.aeadOpen(KEY, new Uint8Array(n), new Uint8Array(16), EMPTY),
        InvalidLengthError,
      );
    }
  });

  it('AEAD: sealed messages shorter than the tag → TruncatedCiphertextError', () => {
    for (let n = 0; n < 16; n++) {
      expectNamed(
        () => crypto.aeadOpen(KEY, NONCE, new Uint8Array(n), EMPTY),
        TruncatedCiphertextError,
      );
    }
  });

  it('AEAD: an output buffer that is too small, or plaintext/AAD that are not bytes', () => {
    const plaintext = new Uint8Array(10);
    expectNamed(
      () => crypto.aeadSeal(KEY, NONCE, plaintext, EMPTY, new Uint8Array(25)),
      InvalidLengthError,
    );
    const sealed = crypto.aeadSeal(KEY, NONCE, plaintext, EMPTY);
    expectNamed(
      () => crypto.aeadOpen(KEY, NONCE, sealed, EMPTY, new Uint8Array(9)),
      InvalidLengthError,
    );
    for (const v of NOT_BYTES) {
      expectNamed(() => crypto.aeadSeal(KEY, NONCE, v as never, EMPTY), InvalidLengthError);
      expectNamed(() => crypto.aeadSeal(KEY, NONCE, EMPTY, v as never), InvalidLengthError);
      expectNamed(() => crypto.aeadOpen(KEY, NONCE, v as never, EMPTY), InvalidLengthError);
      expectNamed(() => crypto.sha256(v as never), InvalidLengthError);
      expectNamed(() => crypto.hmacSha256(v as never, EMPTY), InvalidLengthError);
      expectNamed(() => crypto.hmacSha512(v as never, EMPTY), InvalidLengthError);
      expectNamed(() => crypto.hmacSha512(EMPTY, v as never), InvalidLengthError);
      expectNamed(() => crypto.hkdfSha256(EMPTY, v as never, EMPTY, 32), InvalidLengthError);
    }
  });

  it('a Proxy of a Uint8Array is not bytes: refused before any read, on every path', () => {
    // A getter that calls HMAC-SHA512 again would run in the middle of the outer call, while
    // the native provider's shared scratch holds the outer key: it must never be read.
    let reads = 0;
    const reentrant = (bytes: Uint8Array) =>
      proxyOf(bytes, () => {
        reads++;
        crypto.hmacSha512(KEY, Uint8Array.of(9));
      });
    expectNamed(() => crypto.hmacSha512(reentrant(KEY), Uint8Array.of(7)), InvalidLengthError);
    expectNamed(() => crypto.hmacSha512(KEY, reentrant(Uint8Array.of(7))), InvalidLengthError);
    expectNamed(() => crypto.hmacSha256(reentrant(KEY), EMPTY), InvalidLengthError);
    expectNamed(() => crypto.hkdfSha256(reentrant(KEY), EMPTY, EMPTY, 32), InvalidLengthError);
    expectNamed(
      () => crypto.aeadSeal(KEY, NONCE, EMPTY, EMPTY, reentrant(new Uint8Array(16))),
      InvalidLengthError,
    );
    expectNamed(() => crypto.aeadSeal(reentrant(KEY), NONCE, EMPTY, EMPTY), InvalidLengthError);
    expectNamed(() => crypto.ed25519SigningKey(KEY).sign(reentrant(KEY)), InvalidLengthError);
    // The channel's own entry points, which check before the provider is reached.
    const { a, b } = channelPair(crypto);
    const input = { packetClass: 0, profile: 0, timeHint: 0 } as const;
    expectNamed(() => a.seal({ ...input, payload: reentrant(KEY) }), InvalidLengthError);
    expectNamed(
      () => a.sealInto({ ...input, payload: KEY }, reentrant(new Uint8Array(100))),
      InvalidLengthError,
    );
    const frame = a.seal({ ...input, payload: KEY });
    expectNamed(() => b.open(reentrant(frame)), InvalidLengthError);
    expect(reads).toBe(0);
    // The plain arrays still work.
    expect(b.open(frame).plaintext).toEqual(KEY);
  });

  it('Ed25519 signatures of the wrong length → InvalidLengthError', () => {
    const key = crypto.ed25519SigningKey(KEY);
    const verifier = crypto.ed25519VerifyingKey(key.publicKey);
    for (const n of [0, 32, 63, 65, 128]) {
      expectNamed(() => verifier.verify(EMPTY, new Uint8Array(n)), InvalidLengthError);
    }
    for (const v of [...NOT_BYTES, proxyOf(key.sign(EMPTY))])
      expectNamed(() => verifier.verify(EMPTY, v as never), InvalidLengthError);
    for (const v of NOT_BYTES) expectNamed(() => key.sign(v as never), InvalidLengthError);
  });

  it('Ed25519 signatures with S ≥ L → MalformedSignatureError', () => {
    const key = crypto.ed25519SigningKey(KEY);
    const verifier = crypto.ed25519VerifyingKey(key.publicKey);
    const message = utf8('malleable');
    const signature = key.sign(message);
    const s = fromLe(signature.subarray(32));
    for (const bad of [L, s + L, 2n ** 256n - 1n, L + 1n]) {
      const forged = signature.slice();
      forged.set(le32(bad), 32);
      expectNamed(() => verifier.verify(message, forged), MalformedSignatureError);
    }
    const almost = signature.slice();
    almost.set(le32(L - 1n), 32);
    expect(verifier.verify(message, almost)).toBe(false);
    const go = crypto.ed25519VerifyingKey(fromHex(GO_MALLEABLE.publicKey));
    expectNamed(
      () => go.verify(fromHex(GO_MALLEABLE.message), fromHex(GO_MALLEABLE.signature)),
      MalformedSignatureError,
    );
  });

  it('disposed keys refuse to work with ClosedError', () => {
    const signing = crypto.ed25519SigningKey(KEY);
    const agreement = crypto.x25519PrivateKey(KEY);
    signing.dispose();
    agreement.dispose();
    signing.dispose();
    expect(signing.disposed && agreement.disposed).toBe(true);
    expectNamed(() => signing.sign(EMPTY), ClosedError);
    expectNamed(() => agreement.agree(new Uint8Array(32).fill(9)), ClosedError);
    expectNamed(() => agreement.publicKey, ClosedError);
  });

  it('randomBytes takes a non-negative integer count', () => {
    expect(crypto.randomBytes(0)).toHaveLength(0);
    expect(crypto.randomBytes(33)).toHaveLength(33);
    for (const n of [-1, 1.5, Number.NaN])
      expectNamed(() => crypto.randomBytes(n), OutOfRangeError);
  });
});

describe('why the shared checks exist: the raw libraries disagree', () => {
  it('tweetnacl accepts S + L where OpenSSL refuses it', () => {
    const pair = nacl.sign.keyPair.fromSeed(KEY);
    const message = utf8('malleable');
    const signature = nacl.sign.detached(message, pair.secretKey);
    const forged = signature.slice();
    forged.set(le32(fromLe(signature.subarray(32)) + L), 32);
    expect(nacl.sign.detached.verify(message, forged, pair.publicKey)).toBe(true);
    const x = Buffer.from(pair.publicKey).toString('base64url');
    const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' });
    expect(nodeVerify(null, message, publicKey, forged)).toBe(false);
  });
});

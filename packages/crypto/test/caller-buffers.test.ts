import { describe, expect, it } from 'vitest';
import { toHex } from '@elara/test-env';
import {
  ElaraError,
  OutOfRangeError,
  PacketClass,
  UnknownEnumValueError,
  nodeId,
  sessionId,
} from '@elara/core';
import {
  IDENTITY_FORMAT_VERSION,
  Identity,
  InvalidIdentityError,
  ReplayWindow,
  SecureChannel,
  V0FrameOpener,
  V0FrameSealer,
  eventSigner,
  v0Nonce,
  v0ClassChainKey,
  v0MessageKey,
  v0NextChainKey,
} from '../src/index.ts';
import { bothProviders, providerPair } from './providers.ts';
import { mirroredResults } from './channel-harness.ts';

// Node's Buffer overrides `slice` as a view. Every "copy" of caller bytes must survive the
// caller reusing or wiping its buffer, including a Buffer carved out of a larger one.
function callerBuffer(bytes: Uint8Array): Buffer {
  const big = Buffer.alloc(bytes.length + 16, 0xee);
  big.set(bytes, 8);
  return big.subarray(8, 8 + bytes.length);
}

function isPlain(bytes: Uint8Array): boolean {
  return Object.getPrototypeOf(bytes) === Uint8Array.prototype;
}

describe.each(bothProviders())('caller buffers on the $name provider', (crypto) => {
  it('an identity imported from a Buffer keeps its secrets after the caller wipes it', () => {
    const me = Identity.generate(crypto);
    const exported = me.export();
    const file = Buffer.from(exported); // as readFileSync returns it
    const again = Identity.import(crypto, file);
    file.fill(0);
    expect(toHex(again.export())).toBe(toHex(exported));
    const fromSub = Identity.import(crypto, callerBuffer(exported));
    expect(fromSub.nodeId).toBe(me.nodeId);
  });

  it('fromSecrets copies Buffer secrets; dispose does not zero the caller’s bytes', () => {
    const seed = callerBuffer(crypto.randomBytes(32));
    const secret = callerBuffer(crypto.randomBytes(32));
    const keep = toHex(seed) + toHex(secret);
    const me = Identity.fromSecrets(crypto, { signingSeed: seed, agreementSecret: secret });
    const exported = toHex(me.export());
    seed.fill(0);
    secret.fill(0);
    expect(toHex(me.export())).toBe(exported);
    seed.set(Buffer.from(keep.slice(0, 64), 'hex'));
    secret.set(Buffer.from(keep.slice(64), 'hex'));
    me.dispose();
    expect(toHex(seed) + toHex(secret)).toBe(keep);
    const key = crypto.x25519PrivateKey(secret);
    key.dispose();
    expect(toHex(secret)).toBe(keep.slice(64));
  });

  it('a verifying key built from a reused Buffer keeps verifying for the original key only', () => {
    const alice = Identity.generate(crypto);
    const mallory = Identity.generate(crypto);
    const buf = callerBuffer(alice.signingPublicKey);
    const aliceKey = crypto.ed25519VerifyingKey(buf);
    buf.set(mallory.signingPublicKey); // the caller reuses its buffer for the next peer
    const message = new Uint8Array([1, 2, 3]);
    expect(aliceKey.verify(message, alice.sign(message))).toBe(true);
    expect(aliceKey.verify(message, mallory.sign(message))).toBe(false);
    expect(toHex(aliceKey.publicKey)).toBe(toHex(alice.signingPublicKey));
  });

  it('an X25519 public key from a Buffer agrees the same after the caller zeroes it', () => {
    const a = Identity.generate(crypto);
    const b = Identity.generate(crypto);
    const buf = callerBuffer(b.agreementPublicKey);
    const peer = crypto.x25519PublicKey(buf);
    buf.fill(0);
    expect(toHex(a.agree(peer))).toBe(toHex(b.agree(a.agreementPublicKey)));
    expect(toHex(peer.publicKey)).toBe(toHex(b.agreementPublicKey));
  });

  it('public getters return plain Uint8Arrays, fresh each time', () => {
    const me = Identity.fromSecrets(crypto, {
      signingSeed: Buffer.from(crypto.randomBytes(32)),
      agreementSecret: Buffer.from(crypto.randomBytes(32)),
    });
    const getters = [
      me.signingPublicKey,
      me.agreementPublicKey,
      crypto.ed25519VerifyingKey(Buffer.from(me.signingPublicKey)).publicKey,
      crypto.x25519PublicKey(Buffer.from(me.agreementPublicKey)).publicKey,
      crypto.x25519PrivateKey(Buffer.from(crypto.randomBytes(32))).publicKey,
      crypto.ed25519SigningKey(Buffer.from(crypto.randomBytes(32))).publicKey,
    ];
    for (const bytes of getters) expect(isPlain(bytes)).toBe(true);
    const first = me.signingPublicKey;
    first.fill(0);
    expect(toHex(me.signingPublicKey)).not.toBe(toHex(first));
  });

  it('an export with an altered X25519 secret or public key is refused by name', () => {
    const me = Identity.generate(crypto);
    const bytes = me.export();
    expect(bytes[4]).toBe(IDENTITY_FORMAT_VERSION);
    // Bit 3 of the secret's first byte: X25519 clamping ignores bits 0-2 (and 254-255), which
    // are no key material, so flipping those changes nothing and is not a different identity.
    for (const [at, bit] of [
      [37, 8],
      [50, 1],
      [68, 1],
      [77, 1],
      [108, 0x80],
    ] as const) {
      const bad = bytes.slice();
      bad[at] = (bad[at] as number) ^ bit;
      expect(() => Identity.import(crypto, bad)).toThrow(InvalidIdentityError);
    }
    const v1 = bytes.slice(0, 77);
    v1[4] = 1;
    expect(() => Identity.import(crypto, v1)).toThrow(InvalidIdentityError);
  });
});

describe('named errors at the door', () => {
  const { native, portable } = providerPair();
  it('randomBytes with an absurd count is an OutOfRangeError on both providers', () => {
    for (const crypto of [native, portable]) {
      expect(() => crypto.randomBytes(2 ** 40)).toThrow(OutOfRangeError);
      expect(() => crypto.randomBytes(-1)).toThrow(OutOfRangeError);
      expect(crypto.randomBytes(0)).toHaveLength(0);
    }
  });

  it('v0 key schedule arguments out of range are named, not wrapped', () => {
    const key = new Uint8Array(32).fill(7);
    expect(() => v0MessageKey(native, key, -1)).toThrow(OutOfRangeError);
    expect(() => v0MessageKey(native, key, 2 ** 32)).toThrow(OutOfRangeError);
    expect(() => v0MessageKey(native, key, 1.5)).toThrow(OutOfRangeError);
    expect(() => v0NextChainKey(native, key, -1)).toThrow(OutOfRangeError);
    expect(() => v0ClassChainKey(native, key, 261 as PacketClass)).toThrow(UnknownEnumValueError);
    expect(toHex(v0MessageKey(native, key, 2 ** 32 - 1))).toBe(
      toHex(v0MessageKey(portable, key, 2 ** 32 - 1)),
    );
    expect(v0ClassChainKey(native, key, PacketClass.Core)).toHaveLength(32);
  });
});

describe('ids and configurations of the wrong type are named errors, not TypeErrors', () => {
  const { native: crypto } = providerPair();
  const key = new Uint8Array(32);
  const cases: [string, () => unknown][] = [
    ['sealer without config', () => new V0FrameSealer(crypto, undefined as never)],
    ['opener without config', () => new V0FrameOpener(crypto, undefined as never)],
    [
      'sealer with a number session',
      () =>
        new V0FrameSealer(crypto, { sessionId: 5 as never, nodeId: nodeId(1), sessionKey: key }),
    ],
    [
      'opener with a number session',
      () => new V0FrameOpener(crypto, { sessionId: 5 as never, sessionKey: key }),
    ],
    [
      'seal of nothing',
      () =>
        new V0FrameSealer(crypto, {
          sessionId: sessionId(5),
          nodeId: nodeId(1),
          sessionKey: key,
        }).seal(undefined as never),
    ],
    ['v0Nonce of undefined', () => v0Nonce(undefined as never, 0, PacketClass.Core)],
    ['v0Nonce seq -1', () => v0Nonce(nodeId(1), -1, PacketClass.Core)],
    ['v0Nonce class 261', () => v0Nonce(nodeId(1), 0, 261 as PacketClass)],
    [
      'channel with a number channel id',
      () => new SecureChannel(crypto, { ...mirroredResults(crypto)[0], channelId: 1 as never }),
    ],
    [
      'channel without peer',
      () => new SecureChannel(crypto, { ...mirroredResults(crypto)[0], peer: undefined as never }),
    ],
    ['replay window seq "x"', () => new ReplayWindow(16).check('x' as never)],
    ['eventSigner of nothing', () => eventSigner(undefined as never)],
  ];
  it.each(cases)('%s', (_, f) => {
    expect(f).toThrow(ElaraError);
  });
});

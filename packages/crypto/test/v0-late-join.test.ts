import { describe, expect, it } from 'vitest';
import { PacketClass, RepresentationProfile, nodeId, sessionId } from '@elara/core';
import {
  type CryptoProvider,
  V0FrameOpener,
  V0FrameSealer,
  nativeCryptoProvider,
} from '../src/index.ts';

const KEY = new Uint8Array(32).fill(0x42);
const SESSION = sessionId(12345);

/** The native provider, counting HKDF calls (each v0 chain step or message key is one). */
function counting(): { crypto: CryptoProvider; hkdfs: () => number } {
  const inner = nativeCryptoProvider();
  let n = 0;
  // The provider is a class instance: keep its methods, replace one.
  const crypto = Object.create(inner) as CryptoProvider & {
    hkdfSha256: CryptoProvider['hkdfSha256'];
  };
  crypto.hkdfSha256 = (ikm, salt, info, length) => {
    n++;
    return inner.hkdfSha256(ikm, salt, info, length);
  };
  return { crypto, hkdfs: () => n };
}

function framesUpTo(sender: bigint, last: number): Uint8Array[] {
  const sealer = new V0FrameSealer(nativeCryptoProvider(), {
    sessionId: SESSION,
    nodeId: nodeId(sender),
    sessionKey: KEY,
  });
  const out: Uint8Array[] = [];
  for (let i = 0; i <= last; i++) {
    const payload = Uint8Array.of(i & 0xff);
    out.push(
      sealer.seal({
        packetClass: PacketClass.Core,
        profile: RepresentationProfile.Textual,
        timeHint: 0,
        payload,
      }),
    );
  }
  return out;
}

describe('v0 opener: late joiners and first contact (one memo of epoch keys per class)', () => {
  // Core's v0 epoch is 100 frames: seq 6 543 is epoch 65, beyond the default maxEpochSkip of 64,
  // which used to refuse a late joiner's first frame from a sender it had never heard.
  const a = framesUpTo(1n, 6543);
  const b = framesUpTo(2n, 6543);

  it('a first frame at any seq opens; each epoch is derived once for all senders', () => {
    const { crypto, hkdfs } = counting();
    const opener = new V0FrameOpener(crypto, { sessionId: SESSION, sessionKey: KEY });
    const start = hkdfs();
    expect(opener.open(a[6543] as Uint8Array).plaintext[0]).toBe(6543 & 0xff);
    const first = hkdfs() - start;
    expect(first).toBeGreaterThanOrEqual(65); // the walk to epoch 65, once
    const before = hkdfs();
    expect(opener.open(b[6543] as Uint8Array).plaintext[0]).toBe(6543 & 0xff);
    expect(hkdfs() - before).toBe(1); // another sender: the message key only
    expect(opener.open(a[6542] as Uint8Array).plaintext[0]).toBe(6542 & 0xff);
  });

  it('forged first frames cost at most a checkpoint walk once the epochs are known', () => {
    const { crypto, hkdfs } = counting();
    const opener = new V0FrameOpener(crypto, { sessionId: SESSION, sessionKey: KEY });
    opener.open(a[6543] as Uint8Array);
    for (const seq of [100, 1234, 5000, 6400]) {
      const forged = (a[seq] as Uint8Array).slice();
      forged[12] = 0x77; // another sender's NodeId: a first contact, and the tag will not match
      const before = hkdfs();
      expect(() => opener.open(forged)).toThrow();
      expect(hkdfs() - before).toBeLessThanOrEqual(16);
    }
    expect(opener.senderCount).toBe(1);
  });
});

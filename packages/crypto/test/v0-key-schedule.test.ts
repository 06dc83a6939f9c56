import { describe, expect, it } from 'vitest';
import { describeVectors, fromHex, toHex } from '@elara/test-env';
import { OutOfRangeError, PacketClass, nodeIdFromHex, packetClassProperties } from '@elara/core';
import {
  V0ClassRatchet,
  V0ReceiveChain,
  v0ClassChainKey,
  v0MessageKey,
  v0Nonce,
} from '../src/index.ts';
import { bothProviders } from './providers.ts';
import { type V0Vectors, classNamed } from './v0-vectors.ts';

describeVectors<V0Vectors>('crypto.json', (v) => {
  describe.each(bothProviders())('v0 key schedule on the $name provider', (crypto) => {
    it.each(v.class_ratchets)('$class, root $root_key: keys by epoch and count', (c) => {
      const cls = classNamed(c.class);
      const root = fromHex(c.root_key);
      const length = packetClassProperties(cls).ratchetEpochLength;

      const ratchet = new V0ClassRatchet(crypto, root, cls);
      for (const k of c.first_keys) {
        expect([ratchet.epoch, ratchet.messageCount]).toEqual([k.epoch, k.message_count]);
        expect(toHex(ratchet.nextMessageKey())).toBe(k.message_key);
      }

      const auto = new V0ClassRatchet(crypto, root, cls);
      for (let i = 0; i < length - 1; i++) auto.advanceMessage();
      const before = c.at_frequency_minus_1;
      expect([auto.epoch, auto.messageCount]).toEqual([before.epoch, before.message_count]);
      expect(toHex(auto.messageKey())).toBe(before.message_key);
      auto.advanceMessage();
      const after = c.after_frequency_messages;
      expect([auto.epoch, auto.messageCount]).toEqual([after.epoch, after.message_count]);
      expect(toHex(auto.messageKey())).toBe(after.message_key);

      const manual = new V0ClassRatchet(crypto, root, cls);
      manual.advanceEpoch();
      expect(toHex(manual.messageKey())).toBe(c.epoch1_count0_key);
      manual.syncToEpoch(2);
      expect(toHex(manual.messageKey())).toBe(c.epoch2_count0_key);

      // The pure functions give the same keys.
      expect(toHex(v0MessageKey(crypto, v0ClassChainKey(crypto, root, cls), 2))).toBe(
        c.first_keys[2]?.message_key,
      );
    });

    it.each(v.class_ratchets)(
      '$class: a receive chain finds the same keys from the frame number',
      (c) => {
        const cls = classNamed(c.class);
        const base = v0ClassChainKey(crypto, fromHex(c.root_key), cls);
        const length = packetClassProperties(cls).ratchetEpochLength;
        const keyAt = (n: number): string =>
          toHex(new V0ReceiveChain(crypto, base, cls, 4).resolve(n).key);
        expect(keyAt(1)).toBe(c.first_keys[1]?.message_key);
        expect(keyAt(length - 1)).toBe(c.at_frequency_minus_1.message_key);
        expect(keyAt(length)).toBe(c.epoch1_count0_key);
        expect(keyAt(2 * length)).toBe(c.epoch2_count0_key);
      },
    );

    it.each(v.derive_nonce)('nonce for node $node_id, seq $seq, $class', (c) => {
      expect(toHex(v0Nonce(nodeIdFromHex(c.node_id), c.seq, classNamed(c.class)))).toBe(c.nonce);
    });

    it('the AEAD example', () => {
      const a = v.aead;
      const sealed = crypto.aeadSeal(
        fromHex(a.key),
        fromHex(a.nonce),
        fromHex(a.plaintext),
        fromHex(a.aad),
      );
      expect(toHex(sealed)).toBe(a.ciphertext_and_tag);
    });
  });
});

describe('V0ClassRatchet bounds', () => {
  it('refuses to sync more than V0_MAX_EPOCH_SYNC epochs in one call', () => {
    const [crypto] = bothProviders();
    const ratchet = new V0ClassRatchet(crypto!, new Uint8Array(32), PacketClass.Core);
    expect(() => ratchet.syncToEpoch(5000)).toThrow(OutOfRangeError);
    expect(() => ratchet.syncToEpoch(Number.NaN)).toThrow(OutOfRangeError);
    ratchet.syncToEpoch(3);
    expect(ratchet.epoch).toBe(3);
    ratchet.syncToEpoch(1);
    expect(ratchet.epoch).toBe(3);
  });
});

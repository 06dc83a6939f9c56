import { describe, expect, it } from 'vitest';
import { describeVectors, fromHex, toHex } from '@elara/test-env';
import {
  ClosedError,
  ElaraError,
  InvalidWireFormatError,
  OutOfRangeError,
  PacketClass,
  RepresentationProfile,
  TooLargeError,
  UnknownEnumValueError,
  decodeFrame,
  nodeId,
  nodeIdFromHex,
  sessionId,
  type PacketClass as PacketClassType,
} from '@elara/core';
import {
  AuthenticationError,
  CapacityError,
  InvalidLengthError,
  KeyUnavailableError,
  ReplayError,
  SessionMismatchError,
  V0FrameOpener,
  V0FrameSealer,
  V0_MAX_PLAINTEXT,
  type CryptoProvider,
} from '../src/index.ts';
import { bothProviders } from './providers.ts';
import { type V0Vectors, classNamed, extensionsFrom } from './v0-vectors.ts';

const KEY = new Uint8Array(32).fill(0x42);
const SESSION = sessionId(12345);

function sealerFor(crypto: CryptoProvider, sender = 1): V0FrameSealer {
  return new V0FrameSealer(crypto, { sessionId: SESSION, nodeId: nodeId(sender), sessionKey: KEY });
}

function frameOf(
  sealer: V0FrameSealer,
  packetClass: PacketClassType,
  payload: Uint8Array,
): Uint8Array {
  return sealer.seal({ packetClass, profile: RepresentationProfile.Textual, timeHint: 0, payload });
}

describeVectors<V0Vectors>('crypto.json', (v) => {
  const sf = v.secure_frames;
  const session = sessionId(BigInt(sf.session_id.dec));

  describe.each(bothProviders())('v0 secure frames on the $name provider', (crypto) => {
    const sealAll = (): Uint8Array[] => {
      const sealer = new V0FrameSealer(crypto, {
        sessionId: session,
        nodeId: nodeId(sf.sender_node_id),
        sessionKey: fromHex(sf.session_key),
      });
      return sf.encrypt_sequence.map((c) =>
        sealer.seal({
          packetClass: classNamed(c.class),
          profile: c.profile as RepresentationProfile,
          timeHint: c.time_hint,
          extensions: extensionsFrom(c.extensions),
          payload: fromHex(c.plaintext),
        }),
      );
    };
    const opener = (): V0FrameOpener =>
      new V0FrameOpener(crypto, { sessionId: session, sessionKey: fromHex(sf.session_key) });

    it('seals the reference sequence byte for byte, trailing zero block included', () => {
      const frames = sealAll();
      sf.encrypt_sequence.forEach((c, i) => {
        expect(toHex(frames[i]!)).toBe(c.frame);
        expect(frames[i]).toHaveLength(c.frame_len);
        expect(toHex(frames[i]!.subarray(-16))).toBe('00'.repeat(16));
      });
    });

    it('opens the reference frames in order, including those the reference could not', () => {
      const o = opener();
      const opened = sf.encrypt_sequence.map((c) => toHex(o.open(fromHex(c.frame)).plaintext));
      // The reference's receiver opened frames 0–2 and failed on 3 (extensions: AAD mismatch)
      // and on 4 (its position-based key had fallen out of step). PROTOCOL.md §19.1–2: we open
      // all five; the first three agree with `receiver_in_order`.
      for (const r of sf.receiver_in_order.filter((r) => r.ok)) {
        expect(opened[r.frame_index]).toBe(r.plaintext);
      }
      expect(sf.receiver_in_order.filter((r) => !r.ok).map((r) => r.frame_index)).toEqual([3, 4]);
      expect(opened).toEqual(sf.encrypt_sequence.map((c) => c.plaintext));
    });

    it('opens out of order and refuses replays (reference: 1 fails, 0 opens, replays refused)', () => {
      const o = opener();
      const outcome = sf.receiver_out_of_order_1_0_0_1.map((r) => {
        try {
          return toHex(o.open(fromHex(sf.encrypt_sequence[r.frame_index]!.frame)).plaintext);
        } catch (e) {
          return (e as ElaraError).code;
        }
      });
      // `receiver_out_of_order_1_0_0_1`: DecryptionFailed, ok, ReplayDetected(0),
      // ReplayDetected(1). Frame 1 opens here: its key comes from its own seq.
      expect(outcome).toEqual([
        sf.encrypt_sequence[1]!.plaintext,
        sf.encrypt_sequence[0]!.plaintext,
        'ReplayError',
        'ReplayError',
      ]);
      expect(sf.receiver_out_of_order_1_0_0_1.map((r) => r.error ?? 'ok')).toEqual([
        'DecryptionFailed',
        'ok',
        'ReplayDetected(0)',
        'ReplayDetected(1)',
      ]);
    });

    it('refuses a frame for another session (the reference: SessionMismatch)', () => {
      expect(sf.wrong_session_error).toContain('SessionMismatch');
      const o = new V0FrameOpener(crypto, {
        sessionId: sessionId(BigInt(sf.session_id.dec) + 1n),
        sessionKey: fromHex(sf.session_key),
      });
      expect(() => o.open(fromHex(sf.encrypt_sequence[0]!.frame))).toThrow(SessionMismatchError);
    });

    it("seals and opens the runtime's TextAppend event frame", () => {
      const r = v.runtime_secure_event_frame;
      const s = sessionId(BigInt(r.session_id.dec));
      const sealer = new V0FrameSealer(crypto, {
        sessionId: s,
        nodeId: nodeIdFromHex(r.node_id),
        sessionKey: fromHex(r.session_key),
      });
      const frame = sealer.seal({
        packetClass: PacketClass.Core,
        profile: RepresentationProfile.Textual,
        timeHint: r.event.time_intent_offset,
        payload: fromHex(r.event_block_plaintext),
      });
      expect(toHex(frame)).toBe(r.frame);
      const parsed = decodeFrame(frame);
      expect(toHex(parsed.payload)).toBe(r.frame_parse_payload_field);
      expect(toHex(parsed.authTag)).toBe(r.frame_parse_auth_tag_field);
      const o = new V0FrameOpener(crypto, { sessionId: s, sessionKey: fromHex(r.session_key) });
      expect(toHex(o.open(frame).plaintext)).toBe(r.event_block_plaintext);
    });
  });
});

describe.each(bothProviders())(
  'V0FrameSealer and V0FrameOpener on the $name provider',
  (crypto) => {
    it('the largest plaintext is 1338 bytes; one more is TooLargeError and consumes nothing', () => {
      const sealer = sealerFor(crypto);
      expect(() => frameOf(sealer, PacketClass.Core, new Uint8Array(V0_MAX_PLAINTEXT + 1))).toThrow(
        TooLargeError,
      );
      expect(() =>
        sealer.seal({
          packetClass: PacketClass.Core,
          profile: RepresentationProfile.Textual,
          timeHint: 0,
          extensions: { keyEpoch: 1 },
          payload: new Uint8Array(V0_MAX_PLAINTEXT),
        }),
      ).toThrow(TooLargeError);
      expect(() =>
        sealer.seal({
          packetClass: PacketClass.Core,
          profile: RepresentationProfile.Textual,
          timeHint: 2 ** 31,
          payload: new Uint8Array(1),
        }),
      ).toThrow(ElaraError);
      expect(sealer.nextSeq(PacketClass.Core)).toBe(0);
      const frame = frameOf(sealer, PacketClass.Core, new Uint8Array(V0_MAX_PLAINTEXT));
      expect(frame).toHaveLength(1400);
      expect(sealer.nextSeq(PacketClass.Core)).toBe(1);
      const opener = new V0FrameOpener(crypto, { sessionId: SESSION, sessionKey: KEY });
      expect(opener.open(frame).plaintext).toHaveLength(V0_MAX_PLAINTEXT);
    });

    it('refuses malformed frames by name', () => {
      const sealer = sealerFor(crypto);
      const good = frameOf(sealer, PacketClass.Core, new Uint8Array([1, 2, 3]));
      const opener = new V0FrameOpener(crypto, { sessionId: SESSION, sessionKey: KEY });
      const mutate = (at: number, value: number): Uint8Array => {
        const bad = good.slice();
        bad[at] = value;
        return bad;
      };
      expect(() => opener.open(mutate(0, 0x10))).toThrow(UnknownEnumValueError); // version 1
      expect(() => opener.open(mutate(0, 0x01))).toThrow(UnknownEnumValueError); // suite 1
      expect(() => opener.open(mutate(2, 20))).toThrow(InvalidWireFormatError); // headerLen 20
      expect(() => opener.open(mutate(good.length - 1, 1))).toThrow(InvalidWireFormatError);
      expect(() => opener.open(mutate(good.length - 17, 0))).toThrow(AuthenticationError);
      expect(() => opener.open(good.subarray(0, 45))).toThrow(ElaraError);
      expect(() => opener.open(new Uint8Array(1401))).toThrow(TooLargeError);
      expect(() => opener.open('frame' as never)).toThrow(ElaraError);
      // None of those burned the frame's number: the genuine one still opens, once.
      expect(toHex(opener.open(good).plaintext)).toBe('010203');
      expect(() => opener.open(good)).toThrow(ReplayError);
    });

    it('tracks at most maxSenders senders; removeSender frees a place', () => {
      const opener = new V0FrameOpener(crypto, {
        sessionId: SESSION,
        sessionKey: KEY,
        maxSenders: 2,
      });
      const frames = [1, 2, 3].map((s) =>
        frameOf(sealerFor(crypto, s), PacketClass.Core, new Uint8Array(1)),
      );
      opener.open(frames[0]!);
      opener.open(frames[1]!);
      expect(() => opener.open(frames[2]!)).toThrow(CapacityError);
      opener.removeSender(nodeId(1));
      opener.open(frames[2]!);
      expect(opener.senderCount).toBe(2);
    });

    it('refuses frames too many epochs ahead, without losing its place', () => {
      const sealer = sealerFor(crypto);
      const frames: Uint8Array[] = [];
      for (let i = 0; i < 260; i++)
        frames.push(frameOf(sealer, PacketClass.Repair, new Uint8Array([i & 0xff])));
      const opener = new V0FrameOpener(crypto, {
        sessionId: SESSION,
        sessionKey: KEY,
        maxEpochSkip: 2,
      });
      opener.open(frames[0]!);
      expect(() => opener.open(frames[150]!)).toThrow(KeyUnavailableError); // epoch 3
      expect(opener.open(frames[149]!).plaintext[0]).toBe(149); // epoch 2
      expect(() => opener.open(frames[250]!)).toThrow(KeyUnavailableError); // 3 ahead of 2
      expect(opener.open(frames[200]!).plaintext[0]).toBe(200); // epoch 4
      expect(opener.open(frames[250]!).plaintext[0]).toBe(250); // now 1 ahead
      // Frame 150 was refused while too far ahead; now it is behind the 32-frame window.
      expect(() => opener.open(frames[150]!)).toThrow(ReplayError);
      expect(opener.open(frames[230]!).plaintext[0]).toBe(230); // late, inside the window
    });

    it('refuses nonsensical bounds', () => {
      for (const bound of [0, -1, 1.5, Number.NaN]) {
        expect(
          () =>
            new V0FrameOpener(crypto, { sessionId: SESSION, sessionKey: KEY, maxSenders: bound }),
        ).toThrow(OutOfRangeError);
        expect(
          () =>
            new V0FrameOpener(crypto, { sessionId: SESSION, sessionKey: KEY, maxEpochSkip: bound }),
        ).toThrow(OutOfRangeError);
      }
      expect(
        () => new V0FrameOpener(crypto, { sessionId: SESSION, sessionKey: KEY.subarray(1) }),
      ).toThrow(InvalidLengthError);
    });

    it('dispose refuses further use', () => {
      const sealer = sealerFor(crypto);
      const opener = new V0FrameOpener(crypto, { sessionId: SESSION, sessionKey: KEY });
      opener.open(frameOf(sealer, PacketClass.Core, new Uint8Array(1)));
      sealer.dispose();
      opener.dispose();
      expect(() => frameOf(sealer, PacketClass.Core, new Uint8Array(1))).toThrow(ClosedError);
      expect(() => opener.open(new Uint8Array(50))).toThrow(ClosedError);
    });
  },
);

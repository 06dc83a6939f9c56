import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeVectors, fromHex, propertyRuns, toHex } from '@elara/test-env';
import {
  BufferTooShortError,
  InvalidWireFormatError,
  type MessageId,
  type NodeId,
  OutOfRangeError,
  TooLargeError,
  messageId,
  nodeIdFromHex,
} from '@elara/core';
import {
  PresenceStatus,
  StreamKind,
  TextFlag,
  decodePresence,
  decodeTextMessage,
  decodeTextStream,
  decodeTypingIndicator,
  encodePresence,
  encodeTextMessage,
  encodeTextStream,
  encodeTypingIndicator,
  isTypingExpired,
  presenceStatusFromByte,
  streamAtomId,
  type TextMessage,
} from '../src/index.ts';

interface MessageVector {
  author: string;
  content: string;
  deleted: boolean;
  edit_of: string | null;
  id: string;
  reply_to: string | null;
  timestamp_us: string;
}
interface MspVectors {
  text_messages: {
    name: string;
    bytes: string;
    consumed: number;
    message: MessageVector;
    decoded: MessageVector;
  }[];
  text_stream: { encode: string; messages: MessageVector[] };
  presence: { user: string; default_online: string; busy_5ms_custom_in_a_call: string };
  typing: {
    user: string;
    ttl_ms: number;
    new: string;
    started_at_1000ms: string;
    is_expired: { now_ms: number; expired: boolean }[];
    expired_after_stop: boolean;
  };
}
interface IdVectors {
  state_id_helpers: { fn: string; arg: string; state_id: { hex: string } }[];
}

function message(v: MessageVector): TextMessage {
  return {
    id: messageId(BigInt(v.id)),
    author: nodeIdFromHex(v.author),
    timestamp: Number(v.timestamp_us),
    replyTo: v.reply_to === null ? undefined : messageId(BigInt(v.reply_to)),
    editOf: v.edit_of === null ? undefined : messageId(BigInt(v.edit_of)),
    deleted: v.deleted,
    reaction: false,
    content: fromHex(v.content),
  };
}

describeVectors<MspVectors>('msp.json', (v) => {
  describe('TextMessage', () => {
    for (const t of v.text_messages) {
      it(`${t.name}: encodes to the reference's bytes and decodes back`, () => {
        expect(toHex(encodeTextMessage(message(t.message)))).toBe(t.bytes);
        const { message: m, consumed } = decodeTextMessage(fromHex(t.bytes));
        expect(consumed).toBe(t.consumed);
        expect({ ...m, content: toHex(m.content) }).toEqual({
          ...message(t.decoded),
          content: t.decoded.content,
        });
      });
    }

    it('decode reports what it consumed and ignores what follows (the reference)', () => {
      const t = v.text_messages[0]!;
      const { consumed } = decodeTextMessage(fromHex(t.bytes + 'ffff'));
      expect(consumed).toBe(t.consumed);
    });

    it('every truncation of every vector is BufferTooShortError', () => {
      for (const t of v.text_messages) {
        const bytes = fromHex(t.bytes);
        for (let n = 0; n < t.consumed; n++) {
          expect(() => decodeTextMessage(bytes.subarray(0, n)), `${t.name} at ${n}`).toThrow(
            BufferTooShortError,
          );
        }
      }
    });
  });

  it('TextStream::encode: the reference bytes, decoded back', () => {
    const messages = v.text_stream.messages.map(message);
    expect(toHex(encodeTextStream(messages))).toBe(v.text_stream.encode);
    const back = decodeTextStream(fromHex(v.text_stream.encode));
    expect(back.map((m) => ({ ...m, content: toHex(m.content) }))).toEqual(
      messages.map((m) => ({ ...m, content: toHex(m.content) })),
    );
  });

  describe('Presence', () => {
    const user = nodeIdFromHex(v.presence.user);
    it('default online and busy with a custom status: the reference bytes', () => {
      const online = { user, status: PresenceStatus.Online, lastActive: 0, custom: undefined };
      expect(toHex(encodePresence(online))).toBe(v.presence.default_online);
      const busy = {
        user,
        status: PresenceStatus.Busy,
        lastActive: 5_000,
        custom: new TextEncoder().encode('in a call'),
      };
      expect(toHex(encodePresence(busy))).toBe(v.presence.busy_5ms_custom_in_a_call);
    });
    it('decodes them (the reference has no decoder: ours)', () => {
      expect(decodePresence(fromHex(v.presence.default_online))).toEqual({
        user,
        status: 0,
        lastActive: 0,
        custom: undefined,
      });
      const busy = decodePresence(fromHex(v.presence.busy_5ms_custom_in_a_call));
      expect(busy.status).toBe(PresenceStatus.Busy);
      expect(busy.lastActive).toBe(5_000);
      expect(new TextDecoder().decode(busy.custom)).toBe('in a call');
    });
  });

  describe('TypingIndicator', () => {
    const user = nodeIdFromHex(v.typing.user);
    it('new and started at 1 s: the reference bytes, decoded back', () => {
      const fresh = { user, typing: false, startedAt: 0, ttlMs: v.typing.ttl_ms };
      const started = { user, typing: true, startedAt: 1_000_000, ttlMs: v.typing.ttl_ms };
      expect(toHex(encodeTypingIndicator(fresh))).toBe(v.typing.new);
      expect(toHex(encodeTypingIndicator(started))).toBe(v.typing.started_at_1000ms);
      expect(decodeTypingIndicator(fromHex(v.typing.new))).toEqual(fresh);
      expect(decodeTypingIndicator(fromHex(v.typing.started_at_1000ms))).toEqual(started);
    });
    it('is_expired: equal to the TTL is not expired; a stopped indicator is', () => {
      const started = decodeTypingIndicator(fromHex(v.typing.started_at_1000ms));
      for (const c of v.typing.is_expired) {
        expect(isTypingExpired(started, c.now_ms * 1_000), `${c.now_ms} ms`).toBe(c.expired);
      }
      expect(isTypingExpired({ ...started, typing: false }, 1_000_000)).toBe(
        v.typing.expired_after_stop,
      );
    });
  });
});

describeVectors<IdVectors>('ids.json', (v) => {
  it('text stream atoms are msp::text_stream_id; presence and typing keep their prefixes', () => {
    const text = v.state_id_helpers.find((h) => h.fn === 'msp::text_stream_id')!;
    expect(
      `0x${streamAtomId(StreamKind.Text, BigInt(text.arg)).toString(16).padStart(16, '0')}`,
    ).toBe(text.state_id.hex);
    // The reference keys presence and typing by user; ours by scope, with the same prefixes.
    const presence = v.state_id_helpers.find((h) => h.fn === 'msp::presence_id')!;
    const typing = v.state_id_helpers.find((h) => h.fn === 'msp::typing_id')!;
    expect(streamAtomId(StreamKind.Presence, 0) >> 48n).toBe(BigInt(presence.state_id.hex) >> 48n);
    expect(streamAtomId(StreamKind.Typing, 0) >> 48n).toBe(BigInt(typing.state_id.hex) >> 48n);
  });
});

describe('MSP codecs on bad input', () => {
  const user = 0x0102030405060708n as NodeId;
  const base: TextMessage = {
    id: 1n as MessageId,
    author: user,
    timestamp: 0,
    replyTo: undefined,
    editOf: undefined,
    deleted: false,
    reaction: false,
    content: new Uint8Array(3),
  };

  it('unknown flag bits are InvalidWireFormatError; the reaction bit is ours', () => {
    const bytes = encodeTextMessage(base);
    for (const bit of [0x10, 0x20, 0x40, 0x80]) {
      const bad = bytes.slice();
      bad[24] = bit;
      expect(() => decodeTextMessage(bad)).toThrow(InvalidWireFormatError);
    }
    const reaction = encodeTextMessage({ ...base, replyTo: 9n as MessageId, reaction: true });
    expect(reaction[24]).toBe(TextFlag.ReplyTo | TextFlag.Reaction);
    expect(decodeTextMessage(reaction).message.reaction).toBe(true);
  });

  it('content beyond a u16 length is TooLargeError, never truncated', () => {
    expect(() => encodeTextMessage({ ...base, content: new Uint8Array(65_536) })).toThrow(
      TooLargeError,
    );
  });

  it('timestamps beyond ±2^53 µs are refused both ways', () => {
    const bytes = encodeTextMessage(base);
    new DataView(bytes.buffer).setBigInt64(16, 1n << 60n, true);
    expect(() => decodeTextMessage(bytes)).toThrow(InvalidWireFormatError);
    expect(() => encodeTextMessage({ ...base, timestamp: 2 ** 60 })).toThrow(OutOfRangeError);
  });

  it('text stream: entry lengths must match, nothing may follow, counts are bounded', () => {
    const one = encodeTextStream([base]);
    expect(() => decodeTextStream(Uint8Array.of(...one, 0))).toThrow(InvalidWireFormatError);
    const longer = one.slice();
    longer[2] = (longer[2] ?? 0) + 1; // entry length one more than the message uses
    expect(() => decodeTextStream(Uint8Array.of(...longer, 0))).toThrow(InvalidWireFormatError);
    expect(() => decodeTextStream(Uint8Array.of(5, 0))).toThrow(BufferTooShortError);
    expect(() => encodeTextStream(new Array<TextMessage>(65_536).fill(base))).toThrow(
      TooLargeError,
    );
  });

  it('presence and typing: bad flags, trailing bytes, truncation', () => {
    const p = encodePresence({ user, status: 1, lastActive: 7, custom: Uint8Array.of(65) });
    const badFlag = p.slice();
    badFlag[17] = 2;
    expect(() => decodePresence(badFlag)).toThrow(InvalidWireFormatError);
    expect(() => decodePresence(Uint8Array.of(...p, 0))).toThrow(InvalidWireFormatError);
    for (let n = 0; n < p.length; n++) {
      expect(() => decodePresence(p.subarray(0, n))).toThrow(BufferTooShortError);
    }
    expect(() => encodePresence({ user, status: 256, lastActive: 0, custom: undefined })).toThrow(
      OutOfRangeError,
    );
    const t = encodeTypingIndicator({ user, typing: true, startedAt: 1, ttlMs: 5 });
    const badTyping = t.slice();
    badTyping[8] = 7;
    expect(() => decodeTypingIndicator(badTyping)).toThrow(InvalidWireFormatError);
    expect(() => decodeTypingIndicator(Uint8Array.of(...t, 0))).toThrow(InvalidWireFormatError);
    for (let n = 0; n < t.length; n++) {
      expect(() => decodeTypingIndicator(t.subarray(0, n))).toThrow(BufferTooShortError);
    }
    expect(() =>
      encodeTypingIndicator({ user, typing: true, startedAt: 0, ttlMs: 2 ** 32 }),
    ).toThrow(OutOfRangeError);
  });

  it('status bytes 3 and above read as Offline', () => {
    expect([0, 1, 2, 3, 4, 255].map(presenceStatusFromByte)).toEqual([0, 1, 2, 3, 3, 3]);
  });

  it('round trips and never crashes on arbitrary bytes (property)', () => {
    const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
    const opt = fc.option(u64, { nil: undefined });
    fc.assert(
      fc.property(
        u64,
        u64,
        fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }),
        opt,
        opt,
        fc.boolean(),
        fc.boolean(),
        fc.uint8Array({ maxLength: 300 }),
        (id, author, timestamp, replyTo, editOf, deleted, reaction, content) => {
          const m: TextMessage = {
            id: id as MessageId,
            author: author as NodeId,
            timestamp,
            replyTo: replyTo as MessageId | undefined,
            editOf: editOf as MessageId | undefined,
            deleted,
            reaction,
            content,
          };
          const bytes = encodeTextMessage(m);
          const back = decodeTextMessage(bytes);
          expect(back.consumed).toBe(bytes.length);
          expect({ ...back.message, content: toHex(back.message.content) }).toEqual({
            ...m,
            content: toHex(content),
          });
        },
      ),
      { numRuns: propertyRuns(300, 5_000) },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        for (const decode of [
          decodeTextMessage,
          decodePresence,
          decodeTypingIndicator,
          decodeTextStream,
        ]) {
          try {
            decode(bytes);
          } catch (e) {
            expect(e).toSatisfy(
              (x: unknown) =>
                BufferTooShortError.isInstance(x) || InvalidWireFormatError.isInstance(x),
            );
          }
        }
      }),
      { numRuns: propertyRuns(1_000, 20_000) },
    );
  });
});

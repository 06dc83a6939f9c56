import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { propertyRuns } from '@elara/test-env';
import {
  ByteReader,
  ByteWriter,
  DegradationLevel,
  OutOfRangeError,
  ParseError,
  degradationLevelFromByte,
  endpoint,
  eventId,
  formatEndpoint,
  formatMessageId,
  formatSessionId,
  isIPv4Literal,
  isIPv6Literal,
  messageId,
  messageIdFromHex,
  messageIdToHex,
  nodeId,
  parseEndpoint,
  sessionId,
  toWireOffset,
  u64ToHex,
  type NodeId,
} from '../src/index.ts';

describe('numeric contracts refuse values they cannot represent', () => {
  it('toWireOffset refuses NaN (it has no clamp direction) but still clamps infinities', () => {
    expect(() => toWireOffset(Number.NaN, 0)).toThrow(OutOfRangeError);
    expect(() => toWireOffset(0, Number.NaN)).toThrow(OutOfRangeError);
    expect(toWireOffset(Number.POSITIVE_INFINITY, 0)).toBe(0x7fff_ffff);
  });

  it('degradationLevelFromByte maps NaN to L5, the safe reading', () => {
    expect(degradationLevelFromByte(Number.NaN)).toBe(DegradationLevel.L5LatentPresence);
    expect(degradationLevelFromByte(7)).toBe(5);
    expect(degradationLevelFromByte(2)).toBe(2);
  });

  it('u64ToHex and eventId refuse bigints outside u64', () => {
    expect(() => u64ToHex(-5n)).toThrow(OutOfRangeError);
    expect(() => u64ToHex(1n << 64n)).toThrow(OutOfRangeError);
    expect(u64ToHex(255n)).toBe('0x00000000000000ff');
    expect(() => eventId(-5n as NodeId, 1)).toThrow(OutOfRangeError);
    expect(() => eventId((1n << 64n) as NodeId, 1)).toThrow(OutOfRangeError);
    expect(eventId(nodeId(5n), 1)).toEqual({ author: 5n, seq: 1 });
  });

  it('ByteWriter refuses a capacity that is not an integer ≥ 0', () => {
    for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])
      expect(() => new ByteWriter(bad)).toThrow(OutOfRangeError);
    expect(new ByteWriter(0).capacity).toBe(0);
    const w = new ByteWriter(4).f32(1.5);
    expect(new ByteReader(w.finish()).f32()).toBe(1.5);
  });
});

describe('id display forms', () => {
  it('SessionId has a short display form; MessageId hex and display forms round-trip', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), (v) => {
        const m = messageId(v);
        expect(messageIdFromHex(messageIdToHex(m))).toBe(m);
        expect(messageIdToHex(m)).toMatch(/^0x[0-9a-f]{16}$/);
        expect(formatMessageId(m)).toBe(messageIdToHex(m).slice(2, 10));
        expect(formatSessionId(sessionId(v))).toBe(messageIdToHex(m).slice(2, 10));
      }),
      { numRuns: propertyRuns(200, 5_000) },
    );
    expect(formatSessionId(sessionId(0x61a254a1df31fe21n))).toBe('61a254a1');
    expect(() => messageIdFromHex('0xnope')).toThrow(ParseError);
  });
});

describe('IP literals and endpoints', () => {
  it('accepts IPv4 and IPv6 literal forms', () => {
    for (const ok of ['0.0.0.0', '127.0.0.1', '255.255.255.255', '192.0.2.1'])
      expect(isIPv4Literal(ok)).toBe(true);
    for (const ok of [
      '::',
      '::1',
      '2001:db8::1',
      '2001:0db8:0000:0000:0001:0000:0000:0001',
      '1:2:3:4:5:6:7::',
      '::2:3:4:5:6:7:8',
      '::ffff:192.0.2.1',
      '1:2:3:4:5:6:1.2.3.4',
      'fe80::1%eth0',
    ])
      expect(isIPv6Literal(ok), ok).toBe(true);
  });

  it('refuses malformed literals', () => {
    for (const bad of ['1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', '1..2.3', 'hello', ''])
      expect(isIPv4Literal(bad), bad).toBe(false);
    for (const bad of [
      ':::::',
      ':::',
      '1::2::3',
      '1:2:3:4:5:6:7:8:9',
      '1:2:3:4:5:6:7',
      '1:2:3:4:5:6:7:8::',
      '12345::',
      'g::1',
      ':1:2:3:4:5:6:7',
      '1:2:3:4:5:6:7:',
      '::1.2.3',
      '1:2:3:4:5:6:7:1.2.3.4',
      'fe80::1%',
      'hello',
    ])
      expect(isIPv6Literal(bad), bad).toBe(false);
  });

  it('parseEndpoint checks the literal and round-trips with formatEndpoint', () => {
    expect(() => parseEndpoint('[:::::]:80')).toThrow(ParseError);
    expect(() => parseEndpoint('hello:80')).toThrow(ParseError);
    expect(() => parseEndpoint('1.2.3:80')).toThrow(ParseError);
    expect(() => parseEndpoint('300.1.1.1:80')).toThrow(ParseError);
    expect(() => parseEndpoint('1.2.3.4:70000')).toThrow(ParseError);
    for (const text of ['1.2.3.4:80', '[::1]:443', '[2001:db8::7]:3478', '[fe80::1%eth0]:5'])
      expect(formatEndpoint(parseEndpoint(text))).toBe(text);
    expect(parseEndpoint('[::1]:443')).toEqual(endpoint('::1', 443));
  });
});

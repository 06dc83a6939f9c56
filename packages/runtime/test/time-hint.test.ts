import { WireVersion, encodeHeader, fixedHeader, nodeId, sessionId } from '@elara/core';
import { describe, expect, it } from 'vitest';
import { TimeHintReader, wrappedTimeHint } from '../src/internal/time-hint.ts';

const HOUR_US = 3_600_000_000;
const ZERO = 1_800_000_000_000_000;

describe('frame time hints', () => {
  it('wrap modulo 2^32 past ~59.6 h instead of saturating, and stay valid i32 header fields', () => {
    expect(wrappedTimeHint(ZERO + 1_234_567, ZERO)).toBe(12_345);
    expect(wrappedTimeHint(ZERO + (2 ** 31 - 1) * 100, ZERO)).toBe(2 ** 31 - 1);
    expect(wrappedTimeHint(ZERO + 2 ** 31 * 100, ZERO)).toBe(-(2 ** 31));
    expect(wrappedTimeHint(ZERO + 2 ** 32 * 100 + 500, ZERO)).toBe(5);
    const late = wrappedTimeHint(ZERO + 100 * HOUR_US, ZERO);
    expect(late | 0).toBe(late);
    const header = fixedHeader(sessionId(1n), nodeId(2n), {
      version: WireVersion.V1,
      timeHint: late,
    });
    expect(() => encodeHeader(header, new Uint8Array(30))).not.toThrow();
  });

  it('read back as send times whose differences are true across the wrap', () => {
    const reader = new TimeHintReader();
    const sent: number[] = [];
    const read: number[] = [];
    // Frames 100 ms apart around the i32 boundary (59.65 h), then around 2^32 units (119 h).
    for (const base of [59.6 * HOUR_US, 119.2 * HOUR_US]) {
      for (let i = 0; i < 4_000; i++) {
        const t = Math.round(base + i * 100_000);
        sent.push(t);
        read.push(reader.read(wrappedTimeHint(ZERO + t, ZERO)));
      }
    }
    for (let i = 1; i < sent.length; i++) {
      expect(read[i]! - read[i - 1]!).toBe(
        Math.trunc(sent[i]! / 100) * 100 - Math.trunc(sent[i - 1]! / 100) * 100,
      );
    }
  });

  it('keep reordered frames in place: a late frame reads earlier, not 119 h later', () => {
    const reader = new TimeHintReader();
    const at = (h: number) => wrappedTimeHint(ZERO + h * HOUR_US, ZERO);
    const a = reader.read(at(59.6));
    const c = reader.read(at(59.7));
    const b = reader.read(at(59.65));
    expect(c - a).toBe(0.1 * HOUR_US);
    expect(b - a).toBe(0.05 * HOUR_US);
  });
});

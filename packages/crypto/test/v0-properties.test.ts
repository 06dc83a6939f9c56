import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { propertyRuns, toHex } from '@elara/test-env';
import {
  ElaraError,
  PacketClass,
  RepresentationProfile,
  nodeId,
  sessionId,
  type PacketClass as PacketClassType,
} from '@elara/core';
import { ReplayError, V0FrameOpener, V0FrameSealer } from '../src/index.ts';
import { providerPair } from './providers.ts';

const KEY = new Uint8Array(32).fill(0x42);
const SESSION = sessionId(7);
const { native, portable } = providerPair(11);

function seal(
  sealer: V0FrameSealer,
  packetClass: PacketClassType,
  payload: Uint8Array,
): Uint8Array {
  return sealer.seal({ packetClass, profile: RepresentationProfile.Textual, timeHint: 0, payload });
}

/** What the opener did with one datagram. */
function attempt(opener: V0FrameOpener, frame: Uint8Array): string {
  try {
    return `ok:${toHex(opener.open(frame).plaintext)}`;
  } catch (e) {
    if (!ElaraError.isInstance(e)) throw e;
    return (e as ElaraError).code;
  }
}

// Repair (epoch length 50) is drawn most, so sequences cross epochs.
const classArb = fc.constantFrom<PacketClassType>(0, 1, 2, 3, 4, 4, 4, 4);
const step = fc.record({
  packetClass: classArb,
  payload: fc.uint8Array({ maxLength: 24 }),
  drop: fc.boolean(),
  duplicate: fc.boolean(),
  delay: fc.integer({ min: 0, max: 20 }),
});

describe('v0 frames under loss, reordering and duplication', () => {
  it('every frame that arrives opens once (across providers); its duplicates are replays', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 300 }), fc.boolean(), (steps, sealOnNative) => {
        const [a, b] = sealOnNative ? [native, portable] : [portable, native];
        const sealer = new V0FrameSealer(a, {
          sessionId: SESSION,
          nodeId: nodeId(9),
          sessionKey: KEY,
        });
        const opener = new V0FrameOpener(b, { sessionId: SESSION, sessionKey: KEY });
        const frames = steps.map((s) => seal(sealer, s.packetClass, s.payload));
        // Arrival order: each frame late by at most 20 places, less than any replay window.
        const arrivals = steps
          .flatMap((s, i) => (s.drop ? [] : s.duplicate ? [i, i] : [i]))
          .map((i, k) => ({ i, at: k + steps[i]!.delay }))
          .sort((x, y) => x.at - y.at || x.i - y.i);
        const opened = new Set<number>();
        for (const { i } of arrivals) {
          const result = attempt(opener, frames[i]!);
          if (opened.has(i)) expect(result).toBe('ReplayError');
          else expect(result).toBe(`ok:${toHex(steps[i]!.payload)}`);
          opened.add(i);
        }
      }),
      { numRuns: propertyRuns(40, 400) },
    );
  });

  it('long losses skip epochs (up to maxEpochSkip) and the chain keeps working', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 5 }),
        (gaps) => {
          const sealer = new V0FrameSealer(native, {
            sessionId: SESSION,
            nodeId: nodeId(3),
            sessionKey: KEY,
          });
          const opener = new V0FrameOpener(portable, { sessionId: SESSION, sessionKey: KEY });
          for (const gap of gaps) {
            for (let i = 0; i < gap; i++) seal(sealer, PacketClass.Repair, new Uint8Array(1));
            const payload = new Uint8Array([gap & 0xff, gap >> 8]);
            expect(toHex(opener.open(seal(sealer, PacketClass.Repair, payload)).plaintext)).toBe(
              toHex(payload),
            );
          }
        },
      ),
      { numRuns: propertyRuns(20, 200) },
    );
  });

  it('the 16-bit seq wraps and frames keep opening across the wrap', () => {
    const sealer = new V0FrameSealer(native, {
      sessionId: SESSION,
      nodeId: nodeId(4),
      sessionKey: KEY,
    });
    const opener = new V0FrameOpener(native, { sessionId: SESSION, sessionKey: KEY });
    const payload = new Uint8Array(4);
    const view = new DataView(payload.buffer);
    for (let n = 0; n < 65_536 + 300; n++) {
      view.setUint32(0, n, true);
      const frame = seal(sealer, PacketClass.Perceptual, payload);
      // Lose a few frames around the wrap and in a steady pattern elsewhere.
      if (n % 97 === 5 || (n > 65_530 && n < 65_540 && n % 2 === 0)) continue;
      const opened = opener.open(frame).plaintext;
      expect(new DataView(opened.buffer, opened.byteOffset).getUint32(0, true)).toBe(n);
    }
    expect(sealer.nextSeq(PacketClass.Perceptual)).toBe(300);
  });
});

describe('v0 opener robustness', () => {
  it('a changed byte in a frame without extensions never opens; errors are named', () => {
    const sealer = new V0FrameSealer(native, {
      sessionId: SESSION,
      nodeId: nodeId(5),
      sessionKey: KEY,
    });
    fc.assert(
      fc.property(
        fc.constantFrom<PacketClassType>(0, 1, 2, 3, 4),
        fc.uint8Array({ maxLength: 64 }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (packetClass, payload, at, xor) => {
          const frame = seal(sealer, packetClass, payload);
          const opener = new V0FrameOpener(portable, { sessionId: SESSION, sessionKey: KEY });
          const bad = frame.slice();
          bad[at % bad.length] = (bad[at % bad.length] as number) ^ xor;
          expect(attempt(opener, bad)).not.toMatch(/^ok:/);
          expect(attempt(opener, frame)).toBe(`ok:${toHex(payload)}`);
          expect(() => opener.open(frame)).toThrow(ReplayError);
        },
      ),
      { numRuns: propertyRuns(300, 3000) },
    );
  });

  it('arbitrary bytes only ever raise named errors', () => {
    const opener = new V0FrameOpener(native, { sessionId: SESSION, sessionKey: KEY });
    const header = fc.uint8Array({ minLength: 30, maxLength: 30 }).map((h) => {
      // Keep many inputs past the first checks: version/suite 0, our session, class ≤ 4.
      const out = h.slice();
      out[0] = 0;
      new DataView(out.buffer).setBigUint64(4, 7n, true);
      out[20] = (out[20] as number) % 5;
      return out;
    });
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 1500 }),
          fc.tuple(header, fc.uint8Array({ maxLength: 100 })).map(([h, rest]) => {
            const out = new Uint8Array(h.length + rest.length + 16);
            out.set(h);
            out.set(rest, h.length);
            return out;
          }),
        ),
        (bytes) => {
          expect(attempt(opener, bytes)).not.toMatch(/^ok:/);
        },
      ),
      { numRuns: propertyRuns(500, 5000) },
    );
  });
});

// The symmetric ratchet inside a channel's epochs: the README's key schedule recomputed with raw
// node:crypto, forward secrecy within an epoch, erasure in place, the bounded skipped-key cache,
// bounded work per frame under floods, and delivery schedules checked against a model.
import { createDecipheriv, createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { propertyRuns, toHex } from '@elara/test-env';
import { ElaraError, PacketClass, RepresentationProfile, decodeFrameV1 } from '@elara/core';
import {
  type ChannelOptions,
  type CryptoProvider,
  DEFAULT_MAX_SKIP,
  SecureChannel,
  TooFarAheadError,
} from '../src/index.ts';
import { channelKeyMaterial } from '../src/channel/channel-inspection.ts';
import { mirroredResults, outcome, recordingProvider } from './channel-harness.ts';
import { bothProviders } from './providers.ts';

const CORE = PacketClass.Core;
const frameOf = (payload: Uint8Array, packetClass: PacketClass = CORE) => ({
  packetClass,
  profile: RepresentationProfile.Textual,
  timeHint: 0,
  payload,
});
const payloadOf = (i: number, n = 20) =>
  Uint8Array.from({ length: n }, (_, k) => (i * 13 + k * 5 + 1) & 0xff);

/** The README's key schedule, written out with raw node:crypto, for one class of one direction. */
function referenceSchedule(root: Uint8Array, packetClass: number) {
  const hmac = (k: Uint8Array, m: Uint8Array) =>
    new Uint8Array(createHmac('sha256', k).update(m).digest());
  const label = new TextEncoder().encode('elara v1 channel class ');
  const epochKeys = [hmac(root, Uint8Array.from([...label, packetClass]))];
  const ek = (e: number): Uint8Array => {
    while (epochKeys.length <= e) epochKeys.push(hmac(epochKeys.at(-1)!, Uint8Array.of(0x04)));
    return epochKeys[e]!;
  };
  const chains = new Map<number, Uint8Array[]>();
  const ck = (e: number, i: number): Uint8Array => {
    const chain = chains.get(e) ?? [hmac(ek(e), Uint8Array.of(0x03))];
    chains.set(e, chain);
    while (chain.length <= i) chain.push(hmac(chain.at(-1)!, Uint8Array.of(0x02)));
    return chain[i]!;
  };
  const mk = (e: number, i: number) => hmac(ck(e, i), Uint8Array.of(0x01));
  return { ek, ck, mk, hmac };
}

/** Opens a channel frame with raw node:crypto under `key`, as the README says; undefined if refused. */
function rawOpen(frame: Uint8Array, key: Uint8Array): Uint8Array | undefined {
  const { header, extensions } = decodeFrameV1(frame);
  const nonce = new Uint8Array(12);
  const epoch = extensions.keyEpoch ?? 0;
  nonce.set([epoch & 0xff, epoch >> 8], 4);
  nonce.set([header.seq & 0xff, header.seq >> 8, header.packetClass], 8);
  const n = frame.length - 41 - 16;
  try {
    const d = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
    d.setAAD(frame.subarray(0, 41), { plaintextLength: n });
    d.setAuthTag(frame.subarray(41 + n));
    const out = d.update(frame.subarray(41, 41 + n));
    d.final();
    return new Uint8Array(out);
  } catch {
    return undefined;
  }
}

/** A pair of channel ends over mirrored roots; `b` may use its own (recording) provider. */
function pairWith(a: CryptoProvider, b: CryptoProvider, options: ChannelOptions = {}) {
  const [ra, rb] = mirroredResults(a);
  return {
    a: new SecureChannel(a, ra, options),
    b: new SecureChannel(b, rb, options),
    root: ra.sendKey, // a → b
  };
}

const hexSet = (keys: readonly Uint8Array[]) => new Set(keys.map(toHex));
const receiveKeys = (c: SecureChannel) => c[channelKeyMaterial]().receive.flat();
const snapshotHex = (c: SecureChannel) => {
  const m = c[channelKeyMaterial]();
  return [...m.send.flat(), ...m.receive.flat()].map(toHex).join(' ');
};

describe.each(bothProviders(5))(
  'the README key schedule, sealed by the $name provider',
  (crypto) => {
    it('every frame opens with raw node:crypto under the recomputed message key and nonce', () => {
      const { a, root } = pairWith(crypto, crypto);
      const ref = referenceSchedule(root, CORE);
      const frames = [0, 1, 2, 3].map((i) => a.seal(frameOf(payloadOf(i))));
      a.rekey(CORE);
      frames.push(a.seal(frameOf(payloadOf(4))), a.seal(frameOf(payloadOf(5))));
      const where = [
        [0, 0],
        [0, 1],
        [0, 2],
        [0, 3],
        [1, 0],
        [1, 1],
      ] as const;
      where.forEach(([e, s], i) => {
        const f = frames[i]!;
        expect([f[28], f[29], f[36], f[37], f[38], f[39], f[40]]).toEqual([s, 0, 2, 2, e, 0, 0xff]);
        expect(toHex(rawOpen(f, ref.mk(e, s)) ?? new Uint8Array(0))).toBe(toHex(payloadOf(i)));
        expect(rawOpen(f, ref.mk(e, s + 1))).toBeUndefined(); // another position's key: refused
      });
    });
  },
);

describe.each(bothProviders(6))('ratchet on the $name provider', (crypto) => {
  it('forward secrecy: once frame n opened, nothing the receiver holds opens it again', () => {
    const { a, b, root } = pairWith(crypto, crypto);
    const ref = referenceSchedule(root, CORE);
    const frames = Array.from({ length: 10 }, (_, i) => a.seal(frameOf(payloadOf(i))));
    const opened = [0, 1, 2, 5];
    for (const i of opened) b.open(frames[i]!);

    const core = b[channelKeyMaterial]().receive[CORE]!;
    // Positive control: exactly what the schedule says is held, so the snapshot is complete:
    // the next epoch's key, the chain key at 6, the cached keys of 3 and 4.
    expect(new Set(core.map(toHex))).toEqual(
      hexSet([ref.ek(1), ref.ck(0, 6), ref.mk(0, 3), ref.mk(0, 4)]),
    );
    // Nothing that is, or derives, an opened frame's key.
    const held = hexSet(receiveKeys(b));
    const forbidden = [ref.ek(0), ...[0, 1, 2, 3, 4, 5].map((i) => ref.ck(0, i))];
    for (const i of opened) forbidden.push(ref.mk(0, i));
    for (const k of forbidden) expect(held.has(toHex(k))).toBe(false);

    // An attacker with every key held, using each as message key, chain key or epoch key and
    // walking forward, opens the skipped frames 3 and 4 but none of the opened ones.
    const candidates: Uint8Array[] = [];
    for (const k of receiveKeys(b)) {
      candidates.push(k);
      for (const start of [k, ref.hmac(k, Uint8Array.of(0x03))]) {
        let c = start;
        for (let step = 0; step < 80; step++) {
          candidates.push(ref.hmac(c, Uint8Array.of(0x01)));
          c = ref.hmac(c, Uint8Array.of(0x02));
        }
      }
    }
    const opens = (i: number) => candidates.some((k) => rawOpen(frames[i]!, k) !== undefined);
    for (const i of opened) expect(opens(i), `frame ${i}`).toBe(false);
    expect(opens(3)).toBe(true);
    expect(opens(9)).toBe(true); // future frames stay derivable, as they must

    // Opening 3 deletes its cached key.
    b.open(frames[3]!);
    expect(hexSet(receiveKeys(b)).has(toHex(ref.mk(0, 3)))).toBe(false);
    expect(outcome(() => b.open(frames[5]!))).toBe('DuplicateFrameError');
  });

  it('epoch keys are erased once their chain is started: no kept epoch is re-derivable', () => {
    const { a, b, root } = pairWith(crypto, crypto, { overlapEpochs: 2 });
    const ref = referenceSchedule(root, CORE);
    const f = [a.seal(frameOf(payloadOf(0)))];
    a.rekey(CORE);
    f.push(a.seal(frameOf(payloadOf(1))));
    a.rekey(CORE);
    a.rekey(CORE);
    f.push(a.seal(frameOf(payloadOf(2)))); // epoch 2
    b.open(f[2]!); // jumps from 0 to 2, derives 1 on the way
    b.open(f[0]!);
    const held = hexSet(receiveKeys(b));
    for (const e of [0, 1, 2]) expect(held.has(toHex(ref.ek(e)))).toBe(false);
    expect(held.has(toHex(ref.ek(3)))).toBe(true);
    expect(held.has(toHex(ref.ck(1, 0)))).toBe(true); // epoch 1 kept, its chain not started yet
    expect(held.has(toHex(ref.ck(2, 1)))).toBe(true);
    expect(held.has(toHex(ref.ck(0, 1)))).toBe(true);
    // The sender holds its chain key and the next epoch key, nothing of frames it sealed.
    const sent = hexSet(a[channelKeyMaterial]().send[CORE]!);
    expect(sent).toEqual(hexSet([ref.ck(2, 1), ref.ek(3)]));
    expect(b.open(f[1]!).epoch).toBe(1);
  });

  it('used keys are zeroed in place, on both sides', () => {
    const rec = recordingProvider(crypto);
    const { a, b, root } = pairWith(rec, rec, { replayWindow: 8 });
    const ref = referenceSchedule(root, CORE);
    const frames = Array.from({ length: 12 }, (_, i) => a.seal(frameOf(payloadOf(i))));
    a.rekey(CORE);
    frames.push(a.seal(frameOf(payloadOf(12))));
    for (const i of [1, 0, 4, 2, 3, 11, 12]) b.open(frames[i]!); // 5..10 stay cached
    // Every key that derived an opened frame's key, or was one: epoch keys 0 and 1, chain keys
    // up to each head, message keys of the opened frames.
    const erased = new Set<string>([ref.ek(0), ref.ek(1), ref.ck(1, 0), ref.mk(1, 0)].map(toHex));
    for (let i = 0; i <= 11; i++) erased.add(toHex(ref.ck(0, i)));
    for (const i of [0, 1, 2, 3, 4, 11]) erased.add(toHex(ref.mk(0, i)));
    let checked = 0;
    for (const { copy, handedOut } of rec.outputs) {
      if (!erased.has(toHex(copy))) continue;
      checked++;
      expect(
        handedOut.every((x) => x === 0),
        toHex(copy),
      ).toBe(true);
    }
    // Each was derived once by the sender and once by the receiver: the check is not vacuous.
    expect(checked).toBe(2 * erased.size);
    b.close();
    expect(
      b[channelKeyMaterial]()
        .receive.flat()
        .every((k) => k.every((x) => x === 0)),
    ).toBe(true);
  });

  it('a cached key is deleted when its position leaves the window', () => {
    const { a, b, root } = pairWith(crypto, crypto, { replayWindow: 16 });
    const ref = referenceSchedule(root, CORE);
    const frames = Array.from({ length: 18 }, (_, i) => a.seal(frameOf(payloadOf(i))));
    b.open(frames[0]!);
    b.open(frames[3]!); // caches 1 and 2
    expect(b.cachedReceiveKeys).toBe(2);
    b.open(frames[17]!); // the window is now 2..17: 1 leaves it, 4..16 are cached
    expect(b.cachedReceiveKeys).toBe(14);
    const held = hexSet(receiveKeys(b));
    expect(held.has(toHex(ref.mk(0, 1)))).toBe(false);
    expect(held.has(toHex(ref.mk(0, 2)))).toBe(true);
    expect(outcome(() => b.open(frames[1]!))).toBe('BeyondWindowError');
    expect(toHex(b.open(frames[2]!).plaintext)).toBe(toHex(payloadOf(2)));
  });

  it('the skipped-key cache stays within the window under heavy loss and reordering', () => {
    const window = 16;
    const { a, b } = pairWith(crypto, crypto, { replayWindow: window, overlapEpochs: 1 });
    const n = crypto.name === 'native' ? 600 : 200;
    const frames = Array.from({ length: n }, (_, i) => {
      if (i % 150 === 149) a.rekey(CORE);
      return a.seal(frameOf(payloadOf(i)));
    });
    // Keep ~40 %, shuffled within blocks of 12 (so some arrive older than the window).
    const rnd = lcg(12345);
    const kept = frames.map((_, i) => i).filter(() => rnd(10) < 4);
    for (let i = 0; i < kept.length; i += 12) shuffle(kept, i, Math.min(i + 12, kept.length), rnd);
    const model = channelModel({ window, maxSkip: DEFAULT_MAX_SKIP, overlap: 1, maxEpochSkip: 16 });
    let maxCached = 0;
    const opened = new Set<number>();
    for (const i of kept) {
      const { header, extensions } = decodeFrameV1(frames[i]!);
      const r = outcome(() => b.open(frames[i]!));
      expect(r).toBe(model.open(extensions.keyEpoch ?? -1, header.seq));
      if (r === 'ok') opened.add(i);
      maxCached = Math.max(maxCached, b.cachedReceiveKeys);
      expect(b.cachedReceiveKeys).toBeLessThanOrEqual(2 * (window - 1));
    }
    expect(maxCached).toBeGreaterThan(window / 2); // the cache was used
    expect(opened.size).toBeLessThan(kept.length); // and some frames were older than the window
    for (const i of opened)
      expect(outcome(() => b.open(frames[i]!))).toMatch(/Duplicate|Beyond|Stale/);
  });

  it('a jump costs one HMAC per skipped position, one more per cached key, and is capped', () => {
    const rec = recordingProvider(crypto);
    const window = 16;
    const { a, b } = pairWith(crypto, rec, { replayWindow: window, maxSkip: 40 });
    const frames = Array.from({ length: 90 }, (_, i) => a.seal(frameOf(payloadOf(i))));
    const cost = (i: number) => {
      const before = rec.hmacCalls;
      const r = outcome(() => b.open(frames[i]!));
      return [r, rec.hmacCalls - before];
    };
    // In order: message key + chain step.
    expect(cost(0)).toEqual(['ok', 2]);
    // Skip 3 (positions 1..3): 3 steps + 3 cached keys + message key + step.
    expect(cost(4)).toEqual(['ok', 3 + 3 + 2]);
    // A cached position: no HMAC at all.
    expect(cost(2)).toEqual(['ok', 0]);
    // Skip 35 (5..39): 35 steps, only the last 15 cached (the window), + 2.
    expect(cost(40)).toEqual(['ok', 35 + (window - 1) + 2]);
    expect(b.cachedReceiveKeys).toBe(window - 1);
    // 41 positions past the head (41..81 skipped): refused before any derivation.
    const state = b.describeReceiveState();
    expect(cost(82)).toEqual(['TooFarAheadError', 0]);
    expect(b.describeReceiveState()).toBe(state);
    expect(cost(81)).toEqual(['ok', 40 + (window - 1) + 2]);
    // Stalled past the cap until the sender's next epoch, which opens at once.
    expect(cost(89)).toEqual(['ok', 7 + 7 + 2]);
    const stalled = Array.from({ length: 50 }, (_, i) => a.seal(frameOf(payloadOf(i))));
    expect(outcome(() => b.open(stalled[49]!))).toBe('TooFarAheadError');
    a.rekey(CORE);
    expect(b.open(a.seal(frameOf(payloadOf(7)))).epoch).toBe(1);
    expect(toHex(b.open(stalled[10]!).plaintext)).toBe(toHex(payloadOf(10))); // epoch 0 kept
  });

  it('a flood of forged frames far ahead: bounded work each, window, chain and cache unchanged', () => {
    const rec = recordingProvider(crypto);
    const limits = { replayWindow: 16, maxSkip: 40, maxEpochSkip: 4, overlapEpochs: 1 };
    const { a, b } = pairWith(crypto, rec, limits);
    const frames = Array.from({ length: 12 }, (_, i) => a.seal(frameOf(payloadOf(i))));
    for (const i of [0, 1, 2, 3, 4, 7]) b.open(frames[i]!); // 5, 6 cached; head 8
    const before = snapshotHex(b);
    const state = b.describeReceiveState();
    const bound = limits.maxEpochSkip + (limits.overlapEpochs + 1) + limits.maxSkip + 16 + 1;
    const n = crypto.name === 'native' ? 3000 : 300;
    const codes = new Map<string, number>();
    const rnd = lcg(99);
    const firstForged = rec.outputs.length;
    let maxWork = 0;
    for (let k = 0; k < n; k++) {
      const forged = frames[8]!.slice();
      const seq = [rnd(0x10000), 8 + rnd(60), rnd(12)][k % 3]!;
      const epoch = rnd(8) === 0 ? rnd(7) : 0;
      forged.set([seq & 0xff, seq >> 8], 28);
      forged.set([epoch & 0xff, epoch >> 8], 38);
      if (seq === 8 && epoch === 0) forged[50] = forged[50]! ^ 1;
      const work = rec.hmacCalls;
      const code = outcome(() => b.open(forged));
      const spent = rec.hmacCalls - work;
      maxWork = Math.max(maxWork, spent);
      expect(spent).toBeLessThanOrEqual(bound);
      if (code === 'TooFarAheadError' || code === 'FutureEpochError') expect(spent).toBe(0);
      codes.set(code, (codes.get(code) ?? 0) + 1);
    }
    expect([...codes.keys()].sort()).toEqual([
      'AuthenticationError',
      'BeyondWindowError', // seqs 32 768 or more past the head read as old (serial order)
      'DuplicateFrameError',
      'FutureEpochError',
      'TooFarAheadError',
    ]);
    expect(maxWork).toBeGreaterThan(limits.maxSkip); // the bound was approached, not vacuous
    // Whatever a refused frame made the receiver derive was zeroed, not just dropped.
    const derived = rec.outputs.slice(firstForged);
    expect(derived.length).toBeGreaterThan(n);
    expect(derived.every(({ handedOut }) => handedOut.every((x) => x === 0))).toBe(true);
    expect(b.describeReceiveState()).toBe(state);
    expect(snapshotHex(b)).toBe(before);
    expect(b.cachedReceiveKeys).toBe(2);
    for (const i of [5, 6, 8, 11, 9, 10]) {
      expect(toHex(b.open(frames[i]!).plaintext)).toBe(toHex(payloadOf(i)));
    }
  });

  it('fast-check: every delivery schedule across epochs gives exactly what the model says', () => {
    const limits = { window: 8, maxSkip: 12, overlap: 1, maxEpochSkip: 2 };
    const options: ChannelOptions = {
      replayWindow: limits.window,
      maxSkip: limits.maxSkip,
      overlapEpochs: limits.overlap,
      maxEpochSkip: limits.maxEpochSkip,
    };
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            rekey: fc.integer({ min: 0, max: 9 }),
            copies: fc.integer({ min: 0, max: 2 }),
            jitter: fc.nat(30),
          }),
          {
            minLength: 1,
            maxLength: 70,
          },
        ),
        (plan) => {
          const { a, b } = pairWith(crypto, crypto, options);
          const sent = plan.map((p, i) => {
            if (p.rekey === 0) a.rekey(CORE);
            const frame = a.seal(frameOf(payloadOf(i)));
            const { header, extensions } = decodeFrameV1(frame);
            return { frame, epoch: extensions.keyEpoch ?? -1, seq: header.seq };
          });
          const deliveries = plan
            .flatMap((p, i) =>
              Array.from({ length: p.copies }, (_, c) => ({ i, at: i + p.jitter + c * 7 })),
            )
            .sort((x, y) => x.at - y.at || x.i - y.i);
          const model = channelModel(limits);
          const opens = new Map<number, number>();
          for (const { i } of deliveries) {
            const f = sent[i]!;
            const expected = model.open(f.epoch, f.seq);
            const got = outcome(() => {
              expect(toHex(b.open(f.frame).plaintext)).toBe(toHex(payloadOf(i)));
            });
            expect(got, `frame ${i} (epoch ${f.epoch}, seq ${f.seq})`).toBe(expected);
            if (got === 'ok') opens.set(i, (opens.get(i) ?? 0) + 1);
          }
          for (const count of opens.values()) expect(count).toBe(1);
          expect(b.cachedReceiveKeys).toBeLessThanOrEqual(
            (limits.overlap + 1) * (limits.window - 1),
          );
        },
      ),
      { numRuns: crypto.name === 'native' ? propertyRuns(150, 1500) : propertyRuns(15, 150) },
    );
  });

  it('fast-check: re-keys on demand and by traffic interrupt nothing: every frame opens once', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            rekey: fc.boolean(),
            size: fc.integer({ min: 0, max: 90 }),
            delay: fc.nat(6),
          }),
          {
            minLength: 1,
            maxLength: 80,
          },
        ),
        (plan) => {
          // Epochs end after 10 frames or 400 bytes, or on demand; frames arrive up to 6 late,
          // so up to 6 epochs may be in flight at once: keep 8.
          const { a, b } = pairWith(crypto, crypto, {
            epochPolicies: { [CORE]: { messages: 10, bytes: 400 } },
            overlapEpochs: 8,
            maxEpochSkip: 8,
          });
          const sent = plan.map((p, i) => {
            if (p.rekey) a.rekey(CORE);
            return a.seal(frameOf(payloadOf(i, p.size)));
          });
          const order = plan
            .map((p, i) => ({ i, at: i + p.delay }))
            .sort((x, y) => x.at - y.at || x.i - y.i);
          for (const { i } of order) {
            expect(toHex(b.open(sent[i]!).plaintext)).toBe(toHex(payloadOf(i, plan[i]!.size)));
          }
          for (const { i } of order)
            expect(outcome(() => b.open(sent[i]!))).toMatch(/Duplicate|Stale/);
          expect(b.receiveEpoch(CORE)).toBe(a.sendEpoch(CORE));
        },
      ),
      { numRuns: crypto.name === 'native' ? propertyRuns(100, 1000) : propertyRuns(10, 100) },
    );
  });

  it('maxSkip is checked and defaults to DEFAULT_MAX_SKIP', () => {
    const [ra] = mirroredResults(crypto);
    for (const bad of [0, -1, 1.5, 40_000, Number.NaN]) {
      expect(() => new SecureChannel(crypto, ra, { maxSkip: bad })).toThrow(ElaraError);
    }
    const { a, b } = pairWith(crypto, crypto);
    const frames = Array.from({ length: DEFAULT_MAX_SKIP + 2 }, (_, i) =>
      a.seal(frameOf(payloadOf(i, 1))),
    );
    expect(() => b.open(frames[DEFAULT_MAX_SKIP + 1]!)).toThrow(TooFarAheadError);
    expect(b.open(frames[DEFAULT_MAX_SKIP]!).plaintext).toHaveLength(1);
    expect(b.cachedReceiveKeys).toBe(63); // Core's window, 64, less the frame itself
  });
});

/**
 * What a receiver must answer, written from the README's rules alone: per kept epoch the
 * highest seq opened, the opened set and the chain head; epochs kept: the newest and `overlap`
 * before it.
 */
function channelModel(limits: {
  window: number;
  maxSkip: number;
  overlap: number;
  maxEpochSkip: number;
}) {
  const epochs = new Map<number, { highest: number; opened: Set<number> }>([
    [0, { highest: -1, opened: new Set() }],
  ]);
  let newest = 0;
  return {
    open(epoch: number, seq: number): string {
      if (epoch > newest) {
        if (epoch - newest > limits.maxEpochSkip) return 'FutureEpochError';
        if (seq > limits.maxSkip) return 'TooFarAheadError';
        for (let e = newest + 1; e <= epoch; e++) epochs.set(e, { highest: -1, opened: new Set() });
        newest = epoch;
        for (const e of epochs.keys()) if (e < newest - limits.overlap) epochs.delete(e);
      }
      const state = epochs.get(epoch);
      if (state === undefined) return 'StaleEpochError';
      // The window's order: the highest seq, then anything older than the window, then the rest.
      if (seq === state.highest) return 'DuplicateFrameError';
      if (seq < state.highest && state.highest - seq >= limits.window) return 'BeyondWindowError';
      if (state.opened.has(seq)) return 'DuplicateFrameError';
      if (seq > state.highest && seq - (state.highest + 1) > limits.maxSkip)
        return 'TooFarAheadError';
      state.opened.add(seq);
      state.highest = Math.max(state.highest, seq);
      return 'ok';
    },
  };
}

/** A small deterministic generator: `rnd(m)` is in 0..m−1. */
function lcg(seed: number): (m: number) => number {
  let s = seed >>> 0;
  return (m) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return Math.floor((s / 2 ** 32) * m); // the high bits: an LCG's low bits have short periods
  };
}

/** Fisher–Yates over `xs[from, to)`. */
function shuffle(xs: number[], from: number, to: number, rnd: (m: number) => number): void {
  for (let i = to - 1; i > from; i--) {
    const j = from + rnd(i - from + 1);
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
}

// The symmetric ratchet inside a channel's epochs: the README's key schedule recomputed with raw
// node:crypto, forward secrecy within an epoch, erasure in place, the bounded skipped-key cache,
// bounded work per frame under floods, and delivery schedules checked against a model.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { propertyRuns, toHex } from '@elara/test-env';
import { ElaraError, PacketClass, RepresentationProfile, decodeFrameV1 } from '@elara/core';
import {
  type ChannelOptions,
  type CryptoProvider,
  DEFAULT_EPOCH_POLICIES,
  DEFAULT_MAX_SKIP,
  EpochPolicyError,
  SecureChannel,
  TooFarAheadError,
  epochPolicies,
} from '../src/index.ts';
import { channelKeyMaterial } from '../src/channel/channel-inspection.ts';
import { ClassReceiver } from '../src/channel/class-receiver.ts';
import { DerivationScratch } from '../src/channel/derivation-scratch.ts';
import { CHECKPOINT_SPACING, ChainStep, ReceiveChain } from '../src/channel/receive-chain.ts';
import { mirroredResults, outcome, recordingProvider } from './channel-harness.ts';
import { rawOpen, referenceSchedule } from './channel-reference.ts';
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

/** A pair of channel ends over mirrored roots; `b` may use its own (recording) provider. */
function pairWith(a: CryptoProvider, b: CryptoProvider, options: ChannelOptions = {}) {
  const [ra, rb] = mirroredResults(a);
  const root = ra.sendKey.slice(); // a → b; a copy, since the channels zero the results' roots
  return { a: new SecureChannel(a, ra, options), b: new SecureChannel(b, rb, options), root };
}

const hexSet = (keys: readonly Uint8Array[]) => new Set(keys.map(toHex));
/** Every key a channel's receiving side holds: committed keys and its derivation cache. */
const receiveKeys = (c: SecureChannel) => {
  const m = c[channelKeyMaterial]();
  return [...m.receive.flat(), ...m.cache.flat()];
};
/** The committed state: what only an authentic frame may change (keys and their positions). */
const committedHex = (c: SecureChannel) => {
  const m = c[channelKeyMaterial]();
  return `${c.describeReceiveState()} ${[...m.send.flat(), ...m.receive.flat()].map(toHex).join(' ')}`;
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

    const m = b[channelKeyMaterial]();
    // Positive control: exactly what the schedule says is held, so the snapshot is complete:
    // committed, the chain key at 6 and the cached keys of 3 and 4; in the derivation cache,
    // the next epoch's key (nothing walked ahead: every frame here was authentic).
    expect(hexSet(m.receive[CORE]!)).toEqual(hexSet([ref.ck(0, 6), ref.mk(0, 3), ref.mk(0, 4)]));
    expect(hexSet(m.cache[CORE]!)).toEqual(hexSet([ref.ek(1)]));
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
      for (const start of [k, ref.split(k, 0x03)[0]]) {
        let c = start;
        for (let step = 0; step < 80; step++) {
          const [message, next] = ref.split(c, 0x01);
          candidates.push(message);
          c = next;
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
    const allZero = (k: Uint8Array) => k.every((x) => x === 0);
    // After every seal and open, whatever succeeded or failed: every HMAC output handed out
    // (the epoch-0 keys and each 64-byte step) and every key given to the AEAD is zero (a
    // cached key is copied into the scratch to be used), and so are the buffers keys are
    // derived into.
    const afterEach = (what: string) => {
      for (const { copy, handedOut } of rec.outputs)
        expect(allZero(handedOut), `${what}: ${toHex(copy)}`).toBe(true);
      for (const k of rec.aeadKeys) expect(allZero(k), `${what}: AEAD key`).toBe(true);
      for (const c of [a, b]) {
        expect(c[channelKeyMaterial]().scratch.flat().every(allZero), `${what}: scratch`).toBe(
          true,
        );
      }
    };
    const frames = Array.from({ length: 12 }, (_, i) => {
      const f = a.seal(frameOf(payloadOf(i)));
      afterEach(`seal ${i}`);
      return f;
    });
    a.rekey(CORE);
    frames.push(a.seal(frameOf(payloadOf(12))));
    afterEach('seal 12');
    const tampered = (i: number) => {
      const f = frames[i]!.slice();
      f[f.length - 1] = f[f.length - 1]! ^ 1;
      return f;
    };
    // Refused attempts first (the next position, a jump, a cached position, a new epoch), then
    // the real frames; 5..10 stay cached.
    const schedule: [number, boolean][] = [
      [1, true],
      [1, false],
      [0, true],
      [0, false],
      [4, true],
      [4, false],
      [2, false],
      [3, true],
      [3, false],
      [11, false],
      [12, true],
      [12, false],
    ];
    for (const [i, forged] of schedule) {
      const r = outcome(() => b.open(forged ? tampered(i) : frames[i]!));
      expect(r).toBe(forged ? 'AuthenticationError' : 'ok');
      afterEach(`${forged ? 'forged' : 'open'} ${i}`);
    }
    // Not vacuous: both sides derived each step of this class and direction. A refused
    // attempt's walk is kept in the derivation cache, so the authentic frame after it derives
    // nothing for its own position (1, 4, 12 and its epoch: once each); only the skipped keys
    // the refused walk passed without keeping (0 before 1; 2 and 3 before 4) are derived again
    // when the authentic frame caches them. None survives but in the halves said to be held.
    const count = (bytes: Uint8Array) =>
      rec.outputs.filter((o) => toHex(o.copy) === toHex(bytes)).length;
    expect(count(ref.epochZero())).toBe(2);
    expect(count(ref.epochStep(0))).toBe(2);
    expect(count(ref.epochStep(1))).toBe(2);
    const extra = new Map([
      [0, 1],
      [2, 1],
      [3, 1],
    ]);
    for (let i = 0; i <= 11; i++)
      expect(count(ref.chainStep(0, i)), `step ${i}`).toBe(2 + (extra.get(i) ?? 0));
    expect(count(ref.chainStep(1, 0))).toBe(2);
    // The AEAD saw every seal and every attempt: 13 + 12.
    expect(rec.aeadKeys).toHaveLength(13 + schedule.length);
    // Exactly what the schedule says is held: epoch 0's chain key at 12 and its cached keys of
    // 5..10, epoch 1's chain key at 1, and in the derivation cache the next epoch's key (the
    // refused walks were all overtaken by authentic frames); the sender its chain key and the
    // next epoch's key.
    expect(hexSet(b[channelKeyMaterial]().receive[CORE]!)).toEqual(
      hexSet([ref.ck(0, 12), ref.ck(1, 1), ...[5, 6, 7, 8, 9, 10].map((i) => ref.mk(0, i))]),
    );
    expect(hexSet(b[channelKeyMaterial]().cache[CORE]!)).toEqual(hexSet([ref.ek(2)]));
    expect(hexSet(a[channelKeyMaterial]().send[CORE]!)).toEqual(hexSet([ref.ck(1, 1), ref.ek(2)]));
    for (const c of [a, b]) c.close();
    for (const c of [a, b])
      expect(c[channelKeyMaterial]().buffers.flat().every(allZero)).toBe(true);
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

  it('a frame costs one HMAC-SHA512 per chain position walked, none from the cache', () => {
    const rec = recordingProvider(crypto);
    const window = 16;
    const maxSkip = 40;
    const { a, b } = pairWith(crypto, rec, { replayWindow: window, maxSkip });
    // Without an override, the default policy shrinks to maxSkip + 1 = 41 frames per epoch.
    const frames = Array.from({ length: 90 }, (_, i) => a.seal(frameOf(payloadOf(i))));
    const epochOf = (f: Uint8Array) => decodeFrameV1(f).extensions.keyEpoch;
    expect(frames.map(epochOf)).toEqual(frames.map((_, i) => Math.floor(i / 41)));
    const cost = (frame: Uint8Array) => {
      const before = rec.hmacCalls;
      const before512 = rec.hmacSha512Calls;
      const r = outcome(() => b.open(frame));
      // Every derivation an open makes is one HMAC-SHA512 step.
      expect(rec.hmacSha512Calls - before512).toBe(rec.hmacCalls - before);
      return [r, rec.hmacCalls - before];
    };
    // In order: one step gives the message key and the next chain key.
    expect(cost(frames[0]!)).toEqual(['ok', 1]);
    // Skip 3 (positions 1..3, all cached): 3 steps + the frame's own.
    expect(cost(frames[4]!)).toEqual(['ok', 3 + 1]);
    expect(b.cachedReceiveKeys).toBe(3);
    // A cached position: no HMAC at all.
    expect(cost(frames[2]!)).toEqual(['ok', 0]);
    // Skip 35 (5..39): 35 steps, only the last 15 keys cached (the window), + 1.
    expect(cost(frames[40]!)).toEqual(['ok', 35 + 1]);
    expect(b.cachedReceiveKeys).toBe(window - 1);
    // Epoch 1 lost but for its last frame (seq 40, the furthest an epoch goes): one epoch
    // step, 40 skipped positions and the frame's own. No authentic frame is ever too far.
    expect(cost(frames[81]!)).toEqual(['ok', 1 + 40 + 1]);
    // A forged one is: 41 past epoch 1's head (41), refused before any derivation.
    const forged = frames[81]!.slice();
    forged[28] = 82;
    const state = b.describeReceiveState();
    expect(cost(forged)).toEqual(['TooFarAheadError', 0]);
    expect(b.describeReceiveState()).toBe(state);
    // Epoch 2, seq 7: one epoch step, 7 skipped, the frame's own; epoch 1 is still open.
    expect(cost(frames[89]!)).toEqual(['ok', 1 + 7 + 1]);
    expect(b.receiveEpoch(CORE)).toBe(2);
    expect(toHex(b.open(frames[80]!).plaintext)).toBe(toHex(payloadOf(80)));
    // Three epochs ahead: three epoch steps, then the frame's chain step.
    let far: Uint8Array = new Uint8Array(0);
    for (let k = 0; k < 3; k++) {
      a.rekey(CORE);
      far = a.seal(frameOf(payloadOf(k))); // epochs 3, 4 and 5; only 5's frame arrives
    }
    expect(cost(far)).toEqual(['ok', 3 + 1]);
    expect(b.receiveEpoch(CORE)).toBe(5);
  });

  it('a flood of forged frames: each derivation done once, a repeat costs nothing, committed state unchanged', () => {
    const rec = recordingProvider(crypto);
    const limits = { replayWindow: 16, maxSkip: 40, maxEpochSkip: 4, overlapEpochs: 1 };
    const { a, b, root } = pairWith(crypto, rec, limits);
    const ref = referenceSchedule(root, CORE);
    const frames = Array.from({ length: 12 }, (_, i) => a.seal(frameOf(payloadOf(i))));
    for (const i of [0, 1, 2, 3, 4, 7]) b.open(frames[i]!); // 5, 6 cached; head 8
    const before = committedHex(b);
    // The first forged frame may cost maxEpochSkip epoch steps, then maxSkip chain steps and
    // the frame's own; then each (epoch, position) in reach is derived at most once, bar a walk
    // of at most CHECKPOINT_SPACING steps from a checkpoint. In reach until the next authentic
    // frame: epoch 0 from its head (8) to 8 + 40, epochs 1..4 from 0 to 40.
    const perFrame = limits.maxEpochSkip + limits.maxSkip + 1;
    const inReach = limits.maxEpochSkip + (limits.maxEpochSkip + 1) * (limits.maxSkip + 1);
    const n = crypto.name === 'native' ? 3000 : 300;
    const codes = new Map<string, number>();
    const rnd = lcg(99);
    const firstForged = rec.outputs.length;
    const seen = new Set<string>();
    let maxWork = 0;
    let maxRedone = 0;
    for (let k = 0; k < n; k++) {
      const forged = frames[8]!.slice();
      // The first two are the worst cases: maxSkip past the head, and maxSkip into the
      // furthest epoch allowed.
      const worst = [
        [8 + limits.maxSkip, 0],
        [limits.maxSkip, limits.maxEpochSkip],
      ][k];
      const seq = worst?.[0] ?? [rnd(0x10000), 8 + rnd(60), rnd(45)][k % 3]!;
      const epoch = worst?.[1] ?? (rnd(4) === 0 ? rnd(7) : 0);
      forged.set([seq & 0xff, seq >> 8], 28);
      forged.set([epoch & 0xff, epoch >> 8], 38);
      if (seq === 8 && epoch === 0) forged[50] = forged[50]! ^ 1;
      const from = rec.outputs.length;
      const code = outcome(() => b.open(forged));
      const spent = rec.outputs.length - from;
      let fresh = 0;
      for (const o of rec.outputs.slice(from)) {
        const h = toHex(o.copy);
        if (!seen.has(h)) fresh++;
        seen.add(h);
      }
      maxWork = Math.max(maxWork, spent);
      maxRedone = Math.max(maxRedone, spent - fresh);
      expect(spent).toBeLessThanOrEqual(perFrame);
      expect(spent - fresh).toBeLessThanOrEqual(CHECKPOINT_SPACING);
      if (code === 'TooFarAheadError' || code === 'FutureEpochError') expect(spent).toBe(0);
      // The same datagram again: nothing new to derive.
      const again = rec.outputs.length;
      expect(outcome(() => b.open(forged))).toBe(code);
      expect(rec.outputs.length - again).toBe(0);
      codes.set(code, (codes.get(code) ?? 0) + 1);
    }
    expect([...codes.keys()].sort()).toEqual([
      'AuthenticationError',
      'BeyondWindowError', // seqs 32 768 or more past the head read as old (serial order)
      'DuplicateFrameError',
      'FutureEpochError',
      'TooFarAheadError',
    ]);
    expect(maxWork).toBe(perFrame); // the worst case was reached, so the bound is not vacuous
    expect(maxRedone).toBeGreaterThan(1); // and walks from checkpoints happened
    // However many forged frames, no more distinct derivations than positions in reach.
    expect(seen.size).toBeLessThanOrEqual(inReach);
    expect(seen.size).toBeGreaterThan(2 * (limits.maxSkip + 1));
    // Whatever a refused frame made the receiver derive was zeroed, not just dropped, and the
    // committed state (windows, heads, cached keys) is exactly as before.
    const derived = rec.outputs.slice(firstForged);
    expect(derived.every(({ handedOut }) => handedOut.every((x) => x === 0))).toBe(true);
    const m = b[channelKeyMaterial]();
    expect(m.scratch.flat().every((k) => k.every((x) => x === 0))).toBe(true);
    expect(committedHex(b)).toBe(before);
    expect(b.cachedReceiveKeys).toBe(2);
    // Which positions the derivation cache holds depends on the forged frames, but every key in
    // it is one the schedule gives for a position at or past its chain's head (never an opened
    // frame's).
    const allowed = hexSet([
      ...[1, 2, 3, 4, 5].map((e) => ref.ek(e)),
      ...Array.from({ length: 42 }, (_, i) => [ref.ck(0, 8 + i), ref.mk(0, 8 + i)]).flat(),
      ...[1, 2, 3, 4].flatMap((e) =>
        Array.from({ length: 42 }, (_, i) => [ref.ck(e, i), ref.mk(e, i)]).flat(),
      ),
    ]);
    expect(m.cache[CORE]!.length).toBeGreaterThan(20);
    for (const k of m.cache[CORE]!) expect(allowed.has(toHex(k))).toBe(true);
    // Authentic frames open as before, in order at one HMAC each.
    for (const i of [5, 6, 8, 11, 9, 10]) {
      expect(toHex(b.open(frames[i]!).plaintext)).toBe(toHex(payloadOf(i)));
    }
    const more = Array.from({ length: 5 }, (_, i) => a.seal(frameOf(payloadOf(12 + i))));
    const work = rec.hmacCalls;
    for (const f of more) b.open(f);
    expect(rec.hmacCalls - work).toBe(5);
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
            size: 'max',
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
            size: 'max',
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

  it('maxSkip is checked, defaults to DEFAULT_MAX_SKIP and bounds every epoch', () => {
    const [ra] = mirroredResults(crypto);
    for (const bad of [0, -1, 1.5, 40_000, Number.NaN]) {
      expect(() => new SecureChannel(crypto, ra, { maxSkip: bad })).toThrow(ElaraError);
    }
    // An epoch may hold maxSkip + 1 frames, no more: an explicit policy over it is refused by
    // name, the defaults shrink to it.
    const over = { [CORE]: { messages: 102, bytes: 1 << 20 } };
    expect(() => new SecureChannel(crypto, ra, { maxSkip: 100, epochPolicies: over })).toThrow(
      EpochPolicyError,
    );
    expect(() => epochPolicies({ [CORE]: { messages: DEFAULT_MAX_SKIP + 2, bytes: 1 } })).toThrow(
      EpochPolicyError,
    );
    expect(epochPolicies({ [CORE]: { messages: 101, bytes: 1 } }, 100)[CORE]!.messages).toBe(101);
    expect(epochPolicies({}, 100).map((p) => p.messages)).toEqual([101, 101, 101, 101, 101]);
    expect(epochPolicies().map((p) => p.messages)).toEqual(DEFAULT_EPOCH_POLICIES.map(() => 512));
    expect(DEFAULT_EPOCH_POLICIES.every((p) => p.messages <= DEFAULT_MAX_SKIP + 1)).toBe(true);
    // The refused constructions left the roots alone.
    expect(outcome(() => new SecureChannel(crypto, ra))).toBe('ok');
    const { a, b } = pairWith(crypto, crypto);
    const frames = Array.from({ length: DEFAULT_MAX_SKIP + 2 }, (_, i) =>
      a.seal(frameOf(payloadOf(i, 1))),
    );
    // 512 frames per epoch by default: the last of epoch 0 opens after the 511 before it
    // were lost, and so does the next epoch's.
    const last = frames[DEFAULT_MAX_SKIP - 1]!;
    expect(decodeFrameV1(last).header.seq).toBe(DEFAULT_MAX_SKIP - 1);
    expect(decodeFrameV1(frames[DEFAULT_MAX_SKIP]!).extensions.keyEpoch).toBe(1);
    expect(b.open(last).plaintext).toHaveLength(1);
    expect(b.cachedReceiveKeys).toBe(63); // Core's window, 64, less the frame itself
    // Only a forged frame can be further: DEFAULT_MAX_SKIP + 1 past the head (512).
    const forged = last.slice();
    forged.set([(2 * DEFAULT_MAX_SKIP + 1) & 0xff, (2 * DEFAULT_MAX_SKIP + 1) >> 8], 28);
    expect(() => b.open(forged)).toThrow(TooFarAheadError);
    expect(b.open(frames[DEFAULT_MAX_SKIP + 1]!).epoch).toBe(1);
  });
});

describe.each(bothProviders(7))('keys the ratchet lets go of are zeroed ($name)', (crypto) => {
  const zero = (k: Uint8Array) => k.every((x) => x === 0);
  const chainKey = () => crypto.randomBytes(32);
  /** How many 32-byte slots of `slab` are not all zero. */
  const heldSlots = (slab: Uint8Array) =>
    Array.from({ length: slab.length / 32 }, (_, i) => slab.subarray(i * 32, i * 32 + 32)).filter(
      (k) => !zero(k),
    ).length;

  it('a frame refused at t keeps its step through a commit of s < t: the authentic t derives only the positions between', () => {
    const t = 6;
    for (let s = 1; s < t; s++) {
      const rec = recordingProvider(crypto);
      const { a, b, root } = pairWith(crypto, rec);
      const ref = referenceSchedule(root, CORE);
      const frames = Array.from({ length: t + 1 }, (_, i) => a.seal(frameOf(payloadOf(i))));
      b.open(frames[0]!);
      const forged = frames[t]!.slice();
      forged[forged.length - 1] = forged[forged.length - 1]! ^ 1;
      let work = rec.hmacCalls;
      expect(outcome(() => b.open(forged))).toBe('AuthenticationError');
      expect(rec.hmacCalls - work).toBe(t); // positions 1..t, walked once
      expect(toHex(b.open(frames[s]!).plaintext)).toBe(toHex(payloadOf(s)));
      // The refused walk's step at t outlives the commit of s: the cache is not a function of
      // the committed state alone, though each key in it is the schedule's for a position ≥ s + 1.
      expect(b.describeDerivationCache()).toContain(`0:${t + 1}()${t}`);
      const cache = b[channelKeyMaterial]().cache[CORE]!.map(toHex);
      expect(cache).toEqual(expect.arrayContaining([toHex(ref.mk(0, t)), toHex(ref.ck(0, t + 1))]));
      const allowed = hexSet([
        ref.ek(1), // the next epoch's key, held from the start
        ...Array.from({ length: t + 1 - s }, (_, i) => [
          ref.ck(0, s + 1 + i),
          ref.mk(0, s + 1 + i),
        ]).flat(),
      ]);
      for (const k of cache) expect(allowed.has(k)).toBe(true);
      // The authentic t: no HMAC for its own step; only s + 1 .. t - 1, cached as skipped.
      work = rec.hmacCalls;
      expect(toHex(b.open(frames[t]!).plaintext)).toBe(toHex(payloadOf(t)));
      expect(rec.hmacCalls - work).toBe(t - s - 1);
      expect(b.cachedReceiveKeys).toBe(t - 1 - 1); // 1 .. t - 1 but s
      expect(b[channelKeyMaterial]().cache[CORE]!.map(toHex)).toEqual([toHex(ref.ek(1))]);
    }
  });

  it('a receive chain zeroes what a refused frame derived, keeps its walk as cache, zeroes keys it drops', () => {
    const scratch = new DerivationScratch(4);
    const step = new ChainStep();
    const chain = new ReceiveChain(0, chainKey(), 4, 10);
    const committed = chain.keyMaterial().map(toHex);
    // A refused jump to 3: the keys it put in the scratch (0..2 skipped, 3's own) are zeroed;
    // the committed keys are untouched; the walk is kept (frontier 4, and 3's step).
    chain.prepare(crypto, 3, 10, scratch, step);
    expect(heldSlots(scratch.skipped)).toBe(3);
    expect(zero(scratch.messageKey)).toBe(false);
    chain.discard(step, scratch);
    expect(scratch.copies().every(zero)).toBe(true);
    expect(chain.keyMaterial().map(toHex)).toEqual(committed);
    expect(chain.describeCache()).toBe('0:4()3');
    expect(chain.cacheMaterial()).toHaveLength(3);
    // The same frame, accepted: its own key from the cache, 0..2 derived at commit and cached.
    chain.prepare(crypto, 3, 10, scratch, step);
    chain.commit(crypto, step, scratch);
    expect(scratch.copies().every(zero)).toBe(true);
    expect(chain.cachedKeys).toBe(3);
    expect(chain.cacheMaterial()).toHaveLength(0); // all of it below the new head
    expect(chain.describeCache()).toBe('0:4()-1');
    const slab = () => chain.buffers()[4]!;
    expect(heldSlots(slab())).toBe(3);
    // Opening 1 from the cache zeroes its slot in place.
    chain.prepare(crypto, 1, 10, scratch, step);
    chain.commit(crypto, step, scratch);
    expect(heldSlots(slab())).toBe(2);
    // Opening 5 moves the window to 2..5: 0 leaves it and is zeroed; 2 stays, 4 joins.
    chain.prepare(crypto, 5, 10, scratch, step);
    chain.commit(crypto, step, scratch);
    expect(chain.describe()).toMatch(/>6\[2,4\]$/);
    expect(heldSlots(slab())).toBe(2);
    // A refused walk far ahead leaves checkpoints every 16 positions past the head.
    chain.prepare(crypto, 6 + 10, 10, scratch, step);
    chain.discard(step, scratch);
    expect(chain.describeCache()).toBe('0:17(16)16');
    chain.erase();
    expect(chain.buffers().every(zero)).toBe(true);
  });

  it('a class receiver keeps what a refused new epoch derived, installs it on commit, zeroes the epochs it drops', () => {
    const rec = recordingProvider(crypto);
    const limits = { windowSize: 8, overlap: 1, maxEpochSkip: 4, maxSkip: 10 };
    const receiver = new ClassReceiver(rec, chainKey(), limits);
    // Epoch 0 opens at 2: 0 and 1 are cached in epoch 0's chain.
    const first = receiver.prepare(0, 2);
    const epochZero = first.chain!;
    receiver.commit(first);
    const committed = receiver.keyMaterial().map(toHex);
    const state = receiver.describe();
    // A refused frame of epoch 3: three epoch steps and three chain steps, kept as cache.
    let work = rec.hmacCalls;
    const refused = receiver.prepare(3, 2);
    expect(zero(receiver.messageKey)).toBe(false);
    receiver.discard(refused);
    expect(rec.hmacCalls - work).toBe(3 + 3);
    expect(receiver.scratchMaterial().every(zero)).toBe(true);
    expect(receiver.keyMaterial().map(toHex)).toEqual(committed);
    expect(receiver.describe()).toBe(state);
    expect(receiver.describeCache()).toBe('0:3()-1 1:0()-1 2:0()-1 3:3()2');
    // Accepted: no epoch step and no step for the frame again; 0 and 1 of epoch 3 derived
    // at commit to be cached. Epoch 2 is kept (the overlap), 0 and 1 are zeroed.
    work = rec.hmacCalls;
    receiver.commit(receiver.prepare(3, 2));
    expect(rec.hmacCalls - work).toBe(2);
    expect(receiver.currentEpoch).toBe(3);
    expect(receiver.describe()).toMatch(/^2@-1:0+>0\[\] 3@2:/);
    expect(epochZero.buffers().every(zero)).toBe(true);
    expect(receiver.scratchMaterial().every(zero)).toBe(true);
    receiver.erase();
    expect(receiver.buffers().every(zero)).toBe(true);
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

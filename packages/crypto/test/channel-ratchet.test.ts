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
import { ClassReceiver } from '../src/channel/class-receiver.ts';
import { ReceiveChain } from '../src/channel/receive-chain.ts';
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
  const hmac256 = (k: Uint8Array, m: Uint8Array) =>
    new Uint8Array(createHmac('sha256', k).update(m).digest());
  const hmac512 = (k: Uint8Array, m: Uint8Array) =>
    new Uint8Array(createHmac('sha512', k).update(m).digest());
  // HMAC-SHA512(k, tag), split into its two 32-byte halves.
  const split = (k: Uint8Array, tag: number): [Uint8Array, Uint8Array] => {
    const out = hmac512(k, Uint8Array.of(tag));
    return [out.slice(0, 32), out.slice(32)];
  };
  const label = new TextEncoder().encode('elara v1 channel class ');
  const epochKeys: Uint8Array[] = [hmac256(root, Uint8Array.from([...label, packetClass]))];
  const ek = (e: number): Uint8Array => {
    while (epochKeys.length <= e) epochKeys.push(split(epochKeys.at(-1)!, 0x03)[1]);
    return epochKeys[e]!;
  };
  const chains = new Map<number, Uint8Array[]>();
  const ck = (e: number, i: number): Uint8Array => {
    const chain = chains.get(e) ?? [split(ek(e), 0x03)[0]];
    chains.set(e, chain);
    while (chain.length <= i) chain.push(split(chain.at(-1)!, 0x01)[1]);
    return chain[i]!;
  };
  const mk = (e: number, i: number) => split(ck(e, i), 0x01)[0];
  /** The 64 bytes of the chain step at (e, i) and of the epoch step of e, as derived. */
  const chainStep = (e: number, i: number) => hmac512(ck(e, i), Uint8Array.of(0x01));
  const epochStep = (e: number) => hmac512(ek(e), Uint8Array.of(0x03));
  return { ek, ck, mk, split, chainStep, epochStep, epochZero: () => epochKeys[0]! };
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
    // (the epoch-0 keys and each 64-byte step) and every key given to the AEAD is zero, and so
    // are the buffers keys are derived into.
    const afterEach = (what: string) => {
      for (const { copy, handedOut } of rec.outputs)
        expect(allZero(handedOut), `${what}: ${toHex(copy)}`).toBe(true);
      // A refused frame at a cached position leaves its key cached, as it must.
      const held = hexSet([...receiveKeys(a), ...receiveKeys(b)]);
      for (const k of rec.aeadKeys) {
        expect(allZero(k) || held.has(toHex(k)), `${what}: AEAD key`).toBe(true);
      }
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
    // Not vacuous: both sides derived each step of this class and direction, the receiver
    // once more for each refused attempt that derived (1, then 4 with 2..3, 12 with its epoch);
    // none of them survives anywhere but in the halves the schedule says are held.
    const count = (bytes: Uint8Array) =>
      rec.outputs.filter((o) => toHex(o.copy) === toHex(bytes)).length;
    expect(count(ref.epochZero())).toBe(2);
    expect(count(ref.epochStep(0))).toBe(2);
    expect(count(ref.epochStep(1))).toBe(3);
    const extra = new Map([
      [0, 1],
      [1, 1],
      [2, 1],
      [3, 1],
      [4, 1],
    ]);
    for (let i = 0; i <= 11; i++)
      expect(count(ref.chainStep(0, i)), `step ${i}`).toBe(2 + (extra.get(i) ?? 0));
    expect(count(ref.chainStep(1, 0))).toBe(3);
    // The AEAD saw every seal and every attempt: 13 + 12.
    expect(rec.aeadKeys).toHaveLength(13 + schedule.length);
    // Exactly what the schedule says is held: the next epoch's key, epoch 0's chain key at 12
    // and its cached keys of 5..10, epoch 1's chain key at 1; the sender its chain key and the
    // next epoch's key.
    expect(hexSet(b[channelKeyMaterial]().receive[CORE]!)).toEqual(
      hexSet([
        ref.ek(2),
        ref.ck(0, 12),
        ref.ck(1, 1),
        ...[5, 6, 7, 8, 9, 10].map((i) => ref.mk(0, i)),
      ]),
    );
    expect(hexSet(a[channelKeyMaterial]().send[CORE]!)).toEqual(hexSet([ref.ck(1, 1), ref.ek(2)]));
    for (const c of [a, b]) c.close();
    for (const c of [a, b]) {
      const m = c[channelKeyMaterial]();
      expect([...m.send.flat(), ...m.receive.flat(), ...m.scratch.flat()].every(allZero)).toBe(
        true,
      );
    }
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

  it('a frame costs one HMAC-SHA512 per chain position walked, none from the cache, capped', () => {
    const rec = recordingProvider(crypto);
    const window = 16;
    const { a, b } = pairWith(crypto, rec, { replayWindow: window, maxSkip: 40 });
    const frames = Array.from({ length: 90 }, (_, i) => a.seal(frameOf(payloadOf(i))));
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
    // 41 positions past the head (41..81 skipped): refused before any derivation.
    const state = b.describeReceiveState();
    expect(cost(frames[82]!)).toEqual(['TooFarAheadError', 0]);
    expect(b.describeReceiveState()).toBe(state);
    expect(cost(frames[81]!)).toEqual(['ok', 40 + 1]);
    // Stalled past the cap until the sender's next epoch, which opens at once.
    expect(cost(frames[89]!)).toEqual(['ok', 7 + 1]);
    const stalled = Array.from({ length: 50 }, (_, i) => a.seal(frameOf(payloadOf(i))));
    expect(outcome(() => b.open(stalled[49]!))).toBe('TooFarAheadError');
    a.rekey(CORE);
    const next = a.seal(frameOf(payloadOf(7)));
    // One epoch step (the chain's start and the next epoch's key), one chain step.
    expect(cost(next)).toEqual(['ok', 1 + 1]);
    expect(b.receiveEpoch(CORE)).toBe(1);
    expect(toHex(b.open(stalled[10]!).plaintext)).toBe(toHex(payloadOf(10))); // epoch 0 kept
    // Three epochs ahead: three epoch steps, then the frame's chain step.
    let far: Uint8Array = new Uint8Array(0);
    for (let k = 0; k < 3; k++) {
      a.rekey(CORE);
      far = a.seal(frameOf(payloadOf(k))); // epochs 2, 3 and 4; only 4's frame arrives
    }
    expect(cost(far)).toEqual(['ok', 3 + 1]);
    expect(b.receiveEpoch(CORE)).toBe(4);
  });

  it('a flood of forged frames far ahead: bounded work each, window, chain and cache unchanged', () => {
    const rec = recordingProvider(crypto);
    const limits = { replayWindow: 16, maxSkip: 40, maxEpochSkip: 4, overlapEpochs: 1 };
    const { a, b } = pairWith(crypto, rec, limits);
    const frames = Array.from({ length: 12 }, (_, i) => a.seal(frameOf(payloadOf(i))));
    for (const i of [0, 1, 2, 3, 4, 7]) b.open(frames[i]!); // 5, 6 cached; head 8
    const before = snapshotHex(b);
    const state = b.describeReceiveState();
    // At most maxEpochSkip epoch steps, then maxSkip chain steps and the frame's own.
    const bound = limits.maxEpochSkip + limits.maxSkip + 1;
    const n = crypto.name === 'native' ? 3000 : 300;
    const codes = new Map<string, number>();
    const rnd = lcg(99);
    const firstForged = rec.outputs.length;
    let maxWork = 0;
    let totalWork = 0;
    for (let k = 0; k < n; k++) {
      const forged = frames[8]!.slice();
      // The first two are the worst cases: maxSkip past the head, and maxSkip into the
      // furthest epoch allowed.
      const worst = [
        [8 + limits.maxSkip, 0],
        [limits.maxSkip, limits.maxEpochSkip],
      ][k];
      const seq = worst?.[0] ?? [rnd(0x10000), 8 + rnd(60), rnd(12)][k % 3]!;
      const epoch = worst?.[1] ?? (rnd(8) === 0 ? rnd(7) : 0);
      forged.set([seq & 0xff, seq >> 8], 28);
      forged.set([epoch & 0xff, epoch >> 8], 38);
      if (seq === 8 && epoch === 0) forged[50] = forged[50]! ^ 1;
      const work = rec.hmacCalls;
      const code = outcome(() => b.open(forged));
      const spent = rec.hmacCalls - work;
      maxWork = Math.max(maxWork, spent);
      totalWork += spent;
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
    expect(maxWork).toBe(bound); // the bound was reached, so it is not vacuous
    // Whatever a refused frame made the receiver derive was zeroed, not just dropped.
    const derived = rec.outputs.slice(firstForged);
    expect(derived).toHaveLength(totalWork);
    expect(totalWork).toBeGreaterThan(n);
    expect(derived.every(({ handedOut }) => handedOut.every((x) => x === 0))).toBe(true);
    expect(
      b[channelKeyMaterial]()
        .scratch.flat()
        .every((k) => k.every((x) => x === 0)),
    ).toBe(true);
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

describe.each(bothProviders(7))('keys the ratchet lets go of are zeroed ($name)', (crypto) => {
  const zero = (k: Uint8Array) => k.every((x) => x === 0);
  const chainKey = () => crypto.randomBytes(32);

  it('a receive chain zeroes skipped keys of a refused frame, and cached keys it drops', () => {
    const chain = new ReceiveChain(0, chainKey(), 4);
    // A refused jump to 3: the message keys it derived for 0..2 are zeroed, not just dropped.
    const refused = chain.prepare(crypto, 3, 10);
    expect(refused.skipped).toHaveLength(3);
    expect(refused.skipped.some(zero)).toBe(false);
    chain.discard(refused);
    expect(refused.skipped.every(zero)).toBe(true);
    expect(refused.messageKey.every((x) => x === 0)).toBe(true);
    expect(chain.scratchMaterial().every(zero)).toBe(true);
    // The same jump, accepted: 0..2 are cached (the very arrays derived).
    const step = chain.prepare(crypto, 3, 10);
    const [k0, k1, k2] = step.skipped as [Uint8Array, Uint8Array, Uint8Array];
    chain.commit(step);
    expect(chain.scratchMaterial().every(zero)).toBe(true);
    expect(chain.cachedKeys).toBe(3);
    expect([k0, k1, k2].some(zero)).toBe(false);
    // Opening 1 from the cache zeroes its key in place.
    const cached = chain.prepare(crypto, 1, 10);
    expect(cached.messageKey).toBe(k1);
    chain.commit(cached);
    expect(zero(k1)).toBe(true);
    // Opening 5 moves the window to 2..5: 0 leaves it and is zeroed; 2 stays.
    chain.commit(chain.prepare(crypto, 5, 10));
    expect(zero(k0)).toBe(true);
    expect(zero(k2)).toBe(false);
    chain.erase();
    expect(zero(k2)).toBe(true);
    expect(chain.keyMaterial().every(zero)).toBe(true);
  });

  it('a class receiver zeroes what a refused new epoch derived, and the epochs it drops', () => {
    const limits = { windowSize: 8, overlap: 1, maxEpochSkip: 4, maxSkip: 10 };
    const receiver = new ClassReceiver(crypto, chainKey(), limits);
    // Epoch 0 opens at 2: 0 and 1 are cached in epoch 0's chain.
    const first = receiver.prepare(0, 2);
    receiver.commit(first);
    const epochZero = first.chain;
    const cachedInZero = [...first.step.skipped];
    expect(cachedInZero.some(zero)).toBe(false);
    const before = receiver.keyMaterial().map(toHex);
    const pending = receiver.prepare(3, 2);
    expect(pending.newChains.map((c) => c.epoch)).toEqual([2, 3]); // 1 stepped over
    const derived = [
      pending.nextEpochKey!,
      ...pending.step.skipped,
      ...pending.newChains.flatMap((c) => c.keyMaterial()),
    ];
    expect(derived.some(zero)).toBe(false);
    const newChains = pending.newChains;
    receiver.discard(pending);
    expect(zero(pending.nextEpochKey!)).toBe(true);
    expect(pending.step.skipped.every(zero)).toBe(true);
    for (const c of newChains) {
      expect(c.keyMaterial().every(zero)).toBe(true);
      expect(c.scratchMaterial().every(zero)).toBe(true);
    }
    expect(receiver.keyMaterial().map(toHex)).toEqual(before);
    // Accepted: the next epoch's key is copied over the kept one and the pending copy zeroed;
    // epoch 0 falls out of the overlap and is zeroed, its cached keys with it.
    const accepted = receiver.prepare(3, 2);
    const next = accepted.nextEpochKey!;
    const nextBytes = new Uint8Array(next);
    receiver.commit(accepted);
    expect(receiver.currentEpoch).toBe(3);
    expect(receiver.keyMaterial()[0]).toEqual(nextBytes);
    expect(zero(next)).toBe(true);
    expect(epochZero.keyMaterial().every(zero)).toBe(true);
    expect(cachedInZero.every(zero)).toBe(true);
    expect(receiver.describe()).toMatch(/^2@/);
    expect(receiver.scratchMaterial().every(zero)).toBe(true);
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

import { describe, expect, it } from 'vitest';
import {
  OutOfRangeError,
  RepresentationProfile,
  nodeId,
  type RepresentationProfile as Profile,
} from '@elara/core';
import { LinkModel, type LinkConfig } from '@elara/core/sim';
import { simWorld, type SimWorld } from '@elara/testkit';
import {
  JoinAlignmentError,
  NetworkModel,
  PROFILE_HORIZONS,
  TimeEngine,
  TimePosition,
  compressionPressure,
  correctionWeight,
  horizonsFor,
  type TimeView,
} from '../src/index.ts';

const GOOD = nodeId(1n);
const BAD = nodeId(2n);

/** Streams `packets` packets every 20 ms from `peer` over `link` into the engine. */
function stream(
  world: SimWorld,
  engine: TimeEngine,
  peer: bigint,
  link: LinkConfig,
  packets: number,
) {
  const model = new LinkModel(link, world.rng.fork(`link-${peer}`));
  const start = world.scheduler.now();
  for (let i = 0; i < packets; i++) {
    world.scheduler.at(start + i * 20_000, () => {
      const sent = world.scheduler.now();
      for (const a of model.transmit(sent, 200)) {
        world.scheduler.at(a, () => engine.onPacket(nodeId(peer), i % 65_536, sent));
      }
    });
  }
}

const good: LinkConfig = {
  latencyUs: 20_000,
  jitter: { distribution: 'exponential', meanUs: 2_000 },
  loss: { model: 'random', p: 0.005 },
};
const bad: LinkConfig = {
  latencyUs: 90_000,
  jitter: { distribution: 'exponential', meanUs: 40_000 },
  loss: { model: 'random', p: 0.08 },
};

describe('TimeEngine', () => {
  it('alone (no peers), horizons sit at their minima and pressure is 0', () => {
    const world = simWorld(1);
    const engine = new TimeEngine({ clock: world.scheduler });
    for (const [profile, r] of Object.entries(PROFILE_HORIZONS)) {
      expect(engine.horizons(Number(profile) as Profile)).toEqual({
        hpUs: r.hpMinUs,
        hcUs: r.hcMinUs,
      });
    }
    expect(engine.compressionPressure()).toBe(0);
    expect(engine.now()).toBe(world.scheduler.now());
  });

  it('is a TimeView: classify and correctionWeight use τs now and the profile horizons', () => {
    const world = simWorld(2);
    const engine = new TimeEngine({
      clock: world.scheduler,
      profile: RepresentationProfile.VoiceStandard,
    });
    const view: TimeView = engine;
    const voice = PROFILE_HORIZONS[RepresentationProfile.VoiceStandard];
    const text = PROFILE_HORIZONS[RepresentationProfile.Textual];
    const now = view.now();
    expect(view.classify(now - voice.hcMinUs)).toBe(TimePosition.Correctable);
    expect(view.classify(now - voice.hcMinUs - 1)).toBe(TimePosition.TooLate);
    expect(view.classify(now - voice.hcMinUs - 1, RepresentationProfile.Textual)).toBe(
      TimePosition.Correctable,
    );
    expect(view.classify(now + text.hpMinUs, RepresentationProfile.Textual)).toBe(
      TimePosition.Predictable,
    );
    expect(view.classify(now + text.hpMinUs)).toBe(TimePosition.TooEarly);
    expect(view.correctionWeight(20_000)).toBe(correctionWeight(20_000, voice.hcMinUs));
    expect(view.correctionWeight(20_000, RepresentationProfile.Textual)).toBe(
      correctionWeight(20_000, text.hcMinUs),
    );
    // An unknown profile byte reads as Custom, as core's parser maps it; so does garbage from
    // an untyped caller.
    const custom = engine.horizons(RepresentationProfile.Custom);
    expect(engine.horizons(0x77 as Profile)).toEqual(custom);
    expect(engine.horizons(300 as Profile)).toEqual(custom);
    expect(engine.horizons(1.5 as Profile)).toEqual(custom);
  });

  it('horizons follow the worst active peer, by the documented formula', () => {
    const world = simWorld(3);
    const engine = new TimeEngine({ clock: world.scheduler });
    stream(world, engine, GOOD, good, 1500);
    stream(world, engine, BAD, bad, 1500);
    engine.onRtt(GOOD, 45_000);
    engine.onRtt(BAD, 190_000);
    world.scheduler.advanceBySync(30_000_000);
    engine.refresh();
    const g = engine.network.conditions(GOOD)!;
    const b = engine.network.conditions(BAD)!;
    expect(b.jitterUs).toBeGreaterThan(g.jitterUs);
    for (const profile of [RepresentationProfile.Custom, RepresentationProfile.VideoStandard]) {
      const range = PROFILE_HORIZONS[profile];
      const hg = horizonsFor(g, range);
      const hb = horizonsFor(b, range);
      expect(engine.horizons(profile)).toEqual({
        hpUs: Math.max(hg.hpUs, hb.hpUs),
        hcUs: Math.max(hg.hcUs, hb.hcUs),
      });
    }
    expect(engine.compressionPressure()).toBe(
      Math.max(compressionPressure(g), compressionPressure(b)),
    );
    expect(engine.horizons().hpUs).toBeGreaterThan(
      PROFILE_HORIZONS[RepresentationProfile.Custom].hpMinUs,
    );
  });

  it('refreshes lazily at most every refreshIntervalUs; tick() at once; silent peers stop counting', () => {
    const world = simWorld(4);
    const sched = world.scheduler;
    const network = new NetworkModel({ staleAfterUs: 2_000_000 });
    const engine = new TimeEngine({ clock: sched, network, refreshIntervalUs: 50_000 });
    const quiet = engine.horizons();
    // 100 packets whose spacing varies by ±30 ms: plenty of jitter, all arriving now.
    for (let i = 0; i < 100; i++) {
      network.onPacket(BAD, i, i * 20_000 + (i % 2) * 30_000, sched.now());
    }
    sched.advanceBySync(49_999);
    expect(engine.horizons()).toEqual(quiet);
    sched.advanceBySync(1);
    const noisy = engine.horizons();
    expect(noisy.hpUs).toBeGreaterThan(quiet.hpUs);
    expect(noisy.hcUs).toBeGreaterThan(quiet.hcUs);
    network.forget(BAD);
    engine.tick();
    expect(engine.horizons()).toEqual(quiet);
    network.onPacket(GOOD, 0, 0, sched.now());
    for (let i = 1; i < 100; i++)
      network.onPacket(GOOD, i, i * 20_000 + (i % 2) * 30_000, sched.now());
    engine.tick();
    expect(engine.horizons()).toEqual(noisy);
    sched.advanceBySync(2_000_001); // the peer fell silent
    expect(engine.horizons()).toEqual(quiet);
  });

  it('refuses an invalid range or weights with a named error, and takes overrides', () => {
    const world = simWorld(5);
    expect(
      () => new TimeEngine({ clock: world.scheduler, weights: { jitterPredict: -1 } }),
    ).toThrow(OutOfRangeError);
    expect(() => new TimeEngine({ clock: world.scheduler, weights: { lossCoverage: 1 } })).toThrow(
      OutOfRangeError,
    );
    expect(() => new TimeEngine({ clock: world.scheduler, pressure: { lossHalf: 0 } })).toThrow(
      OutOfRangeError,
    );
    const bogus = { hpMinUs: 10, hpMaxUs: 5, hcMinUs: 0, hcMaxUs: 0, frameIntervalUs: 0 };
    expect(
      () =>
        new TimeEngine({
          clock: world.scheduler,
          ranges: { [RepresentationProfile.Agent]: bogus },
        }),
    ).toThrow(OutOfRangeError);
    const fixed = {
      hpMinUs: 1_000,
      hpMaxUs: 1_000,
      hcMinUs: 2_000,
      hcMaxUs: 2_000,
      frameIntervalUs: 0,
    };
    const engine = new TimeEngine({
      clock: world.scheduler,
      ranges: { [RepresentationProfile.Agent]: fixed },
    });
    expect(engine.horizons(RepresentationProfile.Agent)).toEqual({ hpUs: 1_000, hcUs: 2_000 });
  });

  it('the session clock and the reading of τs are the same object: corrections show in classify', () => {
    const world = simWorld(6);
    const engine = new TimeEngine({ clock: world.scheduler });
    engine.stateClock.alignAtJoin(-1_000_000);
    const t = engine.now();
    expect(t).toBe(world.scheduler.now() - 1_000_000);
    expect(engine.classify(t)).toBe(TimePosition.Current);
    expect(engine.window().tauS).toBe(t);
  });

  it('stampEvent through the TimeView closes the join alignment; now() does not', () => {
    // State reads the engine as a TimeView. Stamping with view.now() left the join open, so
    // alignAtJoin could still step τs under events already stamped.
    const world = simWorld(7);
    const engine = new TimeEngine({ clock: world.scheduler });
    const view: TimeView = engine;
    view.now();
    view.classify(view.now());
    expect(engine.stateClock.joinOpen).toBe(true);
    const stamp = view.stampEvent?.();
    expect(stamp).toBe(world.scheduler.now());
    expect(engine.stateClock.joinOpen).toBe(false);
    expect(() => engine.stateClock.alignAtJoin(-1_000_000)).toThrow(JoinAlignmentError);
  });

  it('with a shared network model, only the session’s members count (a set read live, or a predicate)', () => {
    const world = simWorld(8);
    const network = new NetworkModel();
    const inA = new Set([GOOD]);
    const a = new TimeEngine({ clock: world.scheduler, network, members: inA });
    const b = new TimeEngine({ clock: world.scheduler, network, members: (p) => p === GOOD });
    const alone = new TimeEngine({ clock: world.scheduler, network: new NetworkModel() });
    stream(world, a, GOOD, good, 600);
    stream(world, a, BAD, bad, 600); // another session's peer, on the node's shared model
    world.scheduler.advanceBySync(13_000_000);
    a.refresh();
    b.refresh();
    const goodOnly = horizonsFor(
      network.conditions(GOOD)!,
      PROFILE_HORIZONS[RepresentationProfile.Custom],
    );
    expect(a.horizons()).toEqual(goodOnly);
    expect(b.horizons()).toEqual(goodOnly);
    expect(a.compressionPressure()).toBe(compressionPressure(network.conditions(GOOD)!));
    expect(alone.horizons()).toEqual({
      hpUs: PROFILE_HORIZONS[RepresentationProfile.Custom].hpMinUs,
      hcUs: PROFILE_HORIZONS[RepresentationProfile.Custom].hcMinUs,
    });
    inA.add(BAD); // BAD joins session A
    a.refresh();
    expect(a.horizons().hcUs).toBeGreaterThan(goodOnly.hcUs);
    expect(b.horizons()).toEqual(goodOnly);
  });

  it('a NaN clock reading during refresh() keeps the lazy refresh working', () => {
    // refresh() used to store the NaN as the last refresh time; every later lazy check then
    // compared against NaN and never refreshed again.
    const clock = { t: 1_800_000_000_000_000, now: () => clock.t };
    const engine = new TimeEngine({ clock, refreshIntervalUs: 10_000 });
    const quiet = engine.horizons();
    const t = clock.t;
    clock.t = Number.NaN;
    engine.refresh();
    clock.t = t;
    for (let i = 0; i < 100; i++) engine.network.onPacket(BAD, i, i * 20_000 + (i % 2) * 30_000, t);
    clock.t += 20_000;
    expect(engine.horizons().hcUs).toBeGreaterThan(quiet.hcUs);
  });
});

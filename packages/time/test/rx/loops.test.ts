import { describe, expect, it } from 'vitest';
import { OutOfRangeError, RepresentationProfile, nodeId } from '@elara/core';
import { VirtualScheduler } from '@elara/core/sim';
import { map, take } from 'rxjs';
import { PROFILE_HORIZONS, TimeEngine, compressionPressure } from '../../src/index.ts';
import {
  compressionLoop,
  correctionLoop,
  driftLoop,
  predictionLoop,
  toRxScheduler,
} from '../../src/rx/index.ts';
import { marbles, record } from './marbles.ts';

const START = 1_800_000_000_000_000;

function setup() {
  const vs = new VirtualScheduler(START);
  return { vs, rx: toRxScheduler(vs), engine: new TimeEngine({ clock: vs }) };
}

describe('the time loops as observables, on core’s virtual scheduler', () => {
  it('correction loop: the reality window every 10 ms', () => {
    const { vs, rx, engine } = setup();
    const r = PROFILE_HORIZONS[RepresentationProfile.Custom];
    const w = (ms: number) => ({ tauS: START + ms * 1000, hcUs: r.hcMinUs, hpUs: r.hpMinUs });
    expect(record(vs, correctionLoop(engine, {}, rx).pipe(take(3)), 50)).toEqual(
      marbles('a 9ms b 9ms (c|)', { a: w(0), b: w(10), c: w(20) }),
    );
  });

  it('prediction loop: τp, τs and Hp of the chosen profile every 16 ms', () => {
    const { vs, rx, engine } = setup();
    const hp = PROFILE_HORIZONS[RepresentationProfile.VoiceStandard].hpMinUs;
    const f = (ms: number) => ({
      tauP: ms * 1000,
      tauS: START + ms * 1000,
      hpUs: hp,
      predictUntil: START + ms * 1000 + hp,
    });
    const loop = predictionLoop(engine, { profile: RepresentationProfile.VoiceStandard }, rx);
    expect(record(vs, loop.pipe(take(3)), 50)).toEqual(
      marbles('a 15ms b 15ms (c|)', { a: f(0), b: f(16), c: f(32) }),
    );
  });

  it('drift loop: a 5 ms correction drains at the slew bound (1 % = 1 ms per 100 ms)', () => {
    const { vs, rx, engine } = setup();
    engine.stateClock.correct(5_000);
    const pending = driftLoop(engine, {}, rx).pipe(
      map((d) => Math.round(d.pendingUs)),
      take(4),
    );
    expect(record(vs, pending, 400)).toEqual(
      marbles('a 99ms b 99ms c 99ms (d|)', { a: 5_000, b: 4_000, c: 3_000, d: 2_000 }),
    );
  });

  it('compression loop: pressure rises when a bad path is measured', () => {
    const { vs, rx, engine } = setup();
    const peer = nodeId(9n);
    vs.at(START + 50_000, () => {
      for (let i = 0; i < 200; i++) {
        if (i % 5 === 0) continue; // 20 % loss
        engine.network.onPacket(peer, i, i * 20_000 + (i % 3) * 25_000, vs.now());
      }
    });
    const got = record(vs, compressionLoop(engine, {}, rx).pipe(take(3)), 300);
    const p = compressionPressure(engine.network.conditions(peer)!);
    expect(p).toBeGreaterThan(0.5);
    expect(got).toEqual(marbles('a 99ms b 99ms (c|)', { a: 0, b: p, c: p }));
  });

  it('each subscription has its own timer, and unsubscribing releases it', () => {
    const { vs, rx, engine } = setup();
    const a = correctionLoop(engine, {}, rx).subscribe();
    const b = compressionLoop(engine, {}, rx).subscribe();
    vs.advanceBySync(1_000);
    expect(vs.pending).toBe(2);
    a.unsubscribe();
    b.unsubscribe();
    expect(vs.pending).toBe(0);
  });

  it('refuses a period that is not a finite number > 0 when the loop is built', () => {
    // A period of 0 rescheduled at the same instant forever.
    const { rx, engine } = setup();
    for (const periodMs of [0, -10, Number.NaN, Number.POSITIVE_INFINITY]) {
      for (const loop of [driftLoop, predictionLoop, correctionLoop, compressionLoop]) {
        expect(() => loop(engine, { periodMs }, rx), `${loop.name} ${periodMs}`).toThrow(
          OutOfRangeError,
        );
      }
    }
  });
});

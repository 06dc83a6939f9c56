import { nodeId, type Clock, type NodeId } from '@elara/core';
import { LinkModel, type Prng } from '@elara/core/sim';
import { simWorld } from '@elara/testkit';
import { ClockSync, StateClock, type ClockSyncConfig } from '../src/index.ts';

/**
 * A session of simulated nodes synchronising their τs over core's link model, on virtual time.
 * Each node has a skewed local clock (true offset and skew known to the test), a StateClock and
 * a ClockSync; it asks every peer for a time sample every `exchangeIntervalUs` (a random phase
 * each) and answers requests at once. The test reads every node's τs at true instants and
 * compares them with each other: the disagreement is a property of the clocks, not of any
 * estimate.
 *
 * The loop is event-driven on core's VirtualScheduler with `advanceBySync` (nothing here awaits),
 * and sampling writes into preallocated typed arrays, so a minute of eight nodes takes a few
 * tens of milliseconds.
 */

/** How a lying node answers requests. */
export type Liar =
  | 'plus-10s'
  | 'minus-10s'
  | 'two-faced'
  | 'random'
  | 'random-300ms'
  | 'random-150ms'
  | 'two-faced-300ms'
  | 'plus-300ms'
  | 'plus-150ms'
  | 'drift-200ppm';

/** Links between nodes of different groups carry nothing from `fromUs` until `untilUs`. */
export interface Partition {
  /** The group of each node. */
  readonly groups: readonly number[];
  readonly fromUs: number;
  readonly untilUs: number;
}

export interface WorldOptions {
  readonly seed: number;
  readonly nodes: number;
  readonly durationUs: number;
  /** Initial clock offsets are drawn in ±this (default 2 s). */
  readonly maxOffsetUs?: number;
  /** Clock skews are drawn in ±this, ppm (default 200). */
  readonly maxSkewPpm?: number;
  /** One-way base latency range (default 20–200 ms). */
  readonly latencyUs?: readonly [number, number];
  /** Exponential jitter means are drawn in [0, this] per path (default 100 ms). */
  readonly maxJitterUs?: number;
  /** Every path gets `maxJitterUs` (the worst case) instead of a draw. */
  readonly worstJitter?: boolean;
  /** Loss per direction (default 10 %). */
  readonly loss?: number;
  /** Largest |forward − backward| one-way latency difference per path (default 0: symmetric). */
  readonly asymmetryUs?: number;
  /** A fixed asymmetry for every path (forward − backward), instead of a draw. */
  readonly fixedAsymmetryUs?: number;
  /** Requests per peer are this far apart (default 100 ms: 10 exchanges per second). */
  readonly exchangeIntervalUs?: number;
  /** The last node lies. */
  readonly liar?: Liar;
  /** The liar also asks, so its own clock joins and follows the session (default false). */
  readonly liarAsks?: boolean;
  /** A partition of the paths for a while (true times from the start). */
  readonly partition?: Partition;
  /**
   * Nodes that only answer: they never ask, never align (their join is closed at once) and never
   * correct their τs, so their clock is a fixed reference.
   */
  readonly passive?: readonly number[];
  /** True time at which each node starts exchanging (default 0: all together). */
  readonly startAtUs?: readonly number[];
  /** Disagreement is sampled from this true time on (default 10 s)… */
  readonly sampleFromUs?: number;
  /** …every this often (default 100 ms). */
  readonly sampleEveryUs?: number;
  readonly config?: Partial<ClockSyncConfig>;
  /** Called at each sampling instant with the true elapsed time. */
  readonly onSample?: (elapsedUs: number, world: World) => void;
}

export interface SimNode {
  readonly id: NodeId;
  readonly clock: Clock;
  readonly state: StateClock;
  readonly sync: ClockSync;
  /** True clock error at the start. */
  readonly offsetUs: number;
  readonly skewPpm: number;
  readonly honest: boolean;
}

export interface World {
  readonly nodes: readonly SimNode[];
  /** Largest |forward − backward| latency over the paths, µs. */
  readonly maxAsymmetryUs: number;
  /** |τs_i − τs_j| over honest pairs at every sampling instant. */
  readonly disagreement: Float64Array;
  /** Times a node's τs read less than its previous reading after it aligned. */
  readonly backward: number;
  /**
   * Largest |Δτs − Δlocal| / Δlocal between consecutive readings after alignment (the slew
   * rate actually used), ppm.
   */
  readonly maxSlewPpm: number;
  /** Alignments made per node. */
  readonly alignments: readonly number[];
  /** True time elapsed when each node aligned (NaN if it never did). */
  readonly alignedAtUs: readonly number[];
  /** Read a node's τs now. */
  tau(i: number): number;
  /** Elapsed true time, µs. */
  elapsed(): number;
}

export function quantile(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

function draw(rng: Prng, lo: number, hi: number): number {
  return lo + rng.next() * (hi - lo);
}

export function runWorld(o: WorldOptions): World {
  const world = simWorld(o.seed);
  const sched = world.scheduler;
  const start = sched.now();
  const rng = world.rng;
  const n = o.nodes;
  const maxOffset = o.maxOffsetUs ?? 2_000_000;
  const maxSkew = o.maxSkewPpm ?? 200;
  const [latLo, latHi] = o.latencyUs ?? [20_000, 200_000];
  const maxJitter = o.maxJitterUs ?? 100_000;
  const loss = o.loss ?? 0.1;
  const interval = o.exchangeIntervalUs ?? 100_000;
  const liar: number | undefined = o.liar === undefined ? undefined : n - 1;
  const sampleFrom = o.sampleFromUs ?? 10_000_000;
  const every = o.sampleEveryUs ?? 100_000;

  const nodes: SimNode[] = [];
  const alignments = new Array<number>(n).fill(0);
  const alignedAt = new Array<number>(n).fill(Number.NaN);
  for (let i = 0; i < n; i++) {
    const offsetUs = Math.round(draw(rng, -maxOffset, maxOffset));
    const skewPpm = draw(rng, -maxSkew, maxSkew);
    const clock = world.clock({ offsetUs, skewPpm });
    const state = new StateClock(clock);
    const align = state.alignAtJoin.bind(state);
    state.alignAtJoin = (offset: number) => {
      alignments[i] = (alignments[i] as number) + 1;
      alignedAt[i] = sched.now() - start;
      align(offset);
    };
    const sync = new ClockSync(clock, state, o.config);
    if (o.passive?.includes(i) === true) state.closeJoin();
    nodes.push({
      id: nodeId(BigInt(i + 1)),
      clock,
      state,
      sync,
      offsetUs,
      skewPpm,
      honest: i !== liar,
    });
  }

  // Paths: one link per direction, both drawn from the seed.
  const links: LinkModel[][] = nodes.map(() => []);
  const linkRng = rng.fork('links');
  let maxAsymmetry = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let forward = draw(linkRng, latLo, latHi);
      let backward = forward;
      if (o.fixedAsymmetryUs !== undefined) {
        // Both one-way latencies stay within the range: forward − backward = the asymmetry.
        const a = o.fixedAsymmetryUs;
        backward = draw(linkRng, Math.max(latLo, latLo - a), Math.min(latHi, latHi - a));
        forward = backward + a;
      } else if (o.asymmetryUs !== undefined && o.asymmetryUs > 0) {
        const a = o.asymmetryUs;
        backward = Math.min(latHi, Math.max(latLo, forward + draw(linkRng, -a, a)));
      }
      maxAsymmetry = Math.max(maxAsymmetry, Math.abs(forward - backward));
      const jitter = o.worstJitter ? maxJitter : draw(linkRng, 0, maxJitter);
      const link = (latencyUs: number, label: string) =>
        new LinkModel(
          {
            latencyUs,
            jitter: { distribution: 'exponential', meanUs: jitter },
            loss: { model: 'random', p: loss },
          },
          linkRng.fork(`${label}-${i}-${j}`),
        );
      (links[i] as LinkModel[])[j] = link(forward, 'f');
      (links[j] as LinkModel[])[i] = link(backward, 'b');
    }
  }

  const liarRng = rng.fork('liar');
  const lie = (t: number, to: number): number => {
    switch (o.liar) {
      case 'plus-10s':
        return t + 10_000_000;
      case 'minus-10s':
        return t - 10_000_000;
      case 'two-faced':
        return t + (to % 2 === 0 ? 10_000_000 : -10_000_000);
      case 'two-faced-300ms':
        return t + (to % 2 === 0 ? 300_000 : -300_000);
      case 'plus-300ms':
        return t + 300_000;
      case 'plus-150ms':
        return t + 150_000;
      case 'drift-200ppm':
        // A clock running 200 ppm fast against its own τs (which follows the session if it asks).
        return t + Math.round((sched.now() - start) * 200e-6);
      case 'random':
        return t + Math.round(draw(liarRng, -10_000_000, 10_000_000));
      case 'random-300ms':
        return t + Math.round(draw(liarRng, -300_000, 300_000));
      case 'random-150ms':
        return t + Math.round(draw(liarRng, -150_000, 150_000));
      default:
        return t;
    }
  };

  // A partition drops whatever would cross it while it lasts.
  const cut = (i: number, j: number): boolean => {
    const p = o.partition;
    if (p === undefined || p.groups[i] === p.groups[j]) return false;
    const elapsed = sched.now() - start;
    return elapsed >= p.fromUs && elapsed < p.untilUs;
  };

  // Exchanges: i asks j every `interval`; j answers at once.
  const phaseRng = rng.fork('phase');
  for (let i = 0; i < n; i++) {
    if ((i === liar && o.liarAsks !== true) || o.passive?.includes(i) === true) continue;
    const asker = nodes[i] as SimNode;
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const answerer = nodes[j] as SimNode;
      const there = (links[i] as LinkModel[])[j] as LinkModel;
      const back = (links[j] as LinkModel[])[i] as LinkModel;
      const send = (): void => {
        const request = asker.sync.request(answerer.id);
        if (request !== undefined && !cut(i, j)) {
          for (const arrival of there.transmit(sched.now(), 64)) {
            sched.at(arrival, () => {
              let response = answerer.sync.respond(request);
              if (j === liar) {
                const t2 = lie(response.t2, i);
                response = { ...response, t2, t3: t2 };
              }
              if (cut(i, j)) return;
              for (const returned of back.transmit(sched.now(), 64)) {
                sched.at(returned, () => asker.sync.onResponse(answerer.id, response));
              }
            });
          }
        }
        sched.at(sched.now() + interval, send);
      };
      const from = Math.max(o.startAtUs?.[i] ?? 0, o.startAtUs?.[j] ?? 0);
      sched.at(start + from + Math.floor(phaseRng.next() * interval), send);
    }
  }

  // Sampling true τs values.
  const honest = nodes.map((_, i) => i).filter((i) => i !== liar);
  const pairs = (honest.length * (honest.length - 1)) / 2;
  const instants = Math.max(0, Math.floor((o.durationUs - sampleFrom) / every) + 1);
  const disagreement = new Float64Array(pairs * instants);
  const tau = new Float64Array(n);
  const lastTau = new Float64Array(n).fill(Number.NaN);
  const lastLocal = new Float64Array(n).fill(Number.NaN);
  let filled = 0;
  let backward = 0;
  let maxSlew = 0;
  const result: World = {
    nodes,
    maxAsymmetryUs: maxAsymmetry,
    disagreement,
    get backward() {
      return backward;
    },
    get maxSlewPpm() {
      return maxSlew;
    },
    alignments,
    alignedAtUs: alignedAt,
    tau: (i) => (nodes[i] as SimNode).state.now(),
    elapsed: () => sched.now() - start,
  };
  const sample = (): void => {
    const elapsed = sched.now() - start;
    for (const i of honest) {
      const node = nodes[i] as SimNode;
      // Both read the same virtual instant; now() is the reading that keeps τs from going back.
      const local = node.clock.now();
      const t = node.state.now();
      tau[i] = t;
      if (alignments[i] === 1 && !Number.isNaN(lastTau[i])) {
        if (t < (lastTau[i] as number)) backward++;
        const dl = local - (lastLocal[i] as number);
        const slew = (Math.abs(t - (lastTau[i] as number) - dl) - 1) / dl;
        if (slew * 1e6 > maxSlew) maxSlew = slew * 1e6;
      }
      if (alignments[i] === 1) {
        lastTau[i] = t;
        lastLocal[i] = local;
      }
    }
    if (elapsed >= sampleFrom && filled < disagreement.length) {
      for (let a = 0; a < honest.length; a++) {
        for (let b = a + 1; b < honest.length; b++) {
          disagreement[filled++] = Math.abs(
            (tau[honest[a] as number] as number) - (tau[honest[b] as number] as number),
          );
        }
      }
    }
    o.onSample?.(elapsed, result);
    sched.at(sched.now() + every, sample);
  };
  sched.at(start + every, sample);
  sched.advanceBySync(o.durationUs);
  return result;
}

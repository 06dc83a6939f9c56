import { ElaraError, type Scheduler } from '@elara/core';
import { Prng, VirtualScheduler } from '@elara/core/sim';
import { nativeCryptoProvider } from '@elara/crypto';
import { SimNetwork, type SimTransport } from '@elara/net';
import { Node, type NodeConfig } from '@elara/runtime';
import type { SimOptions } from './demo-args.ts';

/**
 * Where the demo's nodes live: real loopback UDP in real time, or SimNetwork in virtual time.
 * The driver is written once against this: it creates nodes, lets time pass, and waits for
 * promises, without knowing which.
 */
export interface DemoNetwork {
  /** `'udp'` or `'sim'`. */
  readonly kind: 'udp' | 'sim';
  /** Words for the summary (`loopback UDP`, `SimNetwork: 10 % loss…`). */
  readonly description: string;
  /** True time of the network, µs (the virtual scheduler's, or the system clock). */
  now(): number;
  /** A node on this network (its own socket on 127.0.0.1, or a simulated address). */
  createNode(config?: NodeConfig): Promise<Node>;
  /** Lets `us` of the network's time pass. */
  wait(us: number): Promise<void>;
  /** Waits for `promise`; rejects with {@link DemoTimeoutError} after `limitUs`. */
  settle<T>(promise: Promise<T>, limitUs: number): Promise<T>;
  /** The simulated network (fault injection in tests); undefined on UDP. */
  readonly sim: SimNetwork | undefined;
  /** Closes the simulated transports (the nodes are stopped by their owner first). */
  close(): Promise<void>;
}

/** A step of the demo (forming the session) took longer than its bound. */
export class DemoTimeoutError extends ElaraError {
  static override readonly code: string = 'DemoTimeoutError';
}

/** How long one step of virtual time is when paced to the wall clock, µs. */
const PACE_STEP_US = 20_000;

const sleepMs = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** Real sockets on 127.0.0.1, real time, the default crypto provider. */
export function udpNetwork(): DemoNetwork {
  const clock = (): number => Date.now() * 1000;
  return {
    kind: 'udp',
    description: 'loopback UDP, real crypto',
    now: clock,
    createNode: (config = {}) => Node.create(config),
    wait: (us) => sleepMs(us / 1000),
    async settle<T>(promise: Promise<T>, limitUs: number): Promise<T> {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new DemoTimeoutError(`no answer within ${limitUs / 1e6} s`)),
          limitUs / 1000,
        );
      });
      try {
        return await Promise.race([promise, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    sim: undefined,
    close: () => Promise.resolve(),
  };
}

/** A node's view of the shared virtual time, off by a fixed amount (its clock error). */
function offsetScheduler(base: Scheduler, offsetUs: number): Scheduler {
  return {
    now: () => base.now() + offsetUs,
    at: (t, fn) => base.at(t - offsetUs, fn),
  };
}

/** Options of {@link simNetwork}. */
export interface SimNetworkPace {
  /**
   * Let virtual time follow the wall clock (a newcomer watches the run live); false runs it as
   * fast as the machine can (tests).
   */
  readonly paced: boolean;
}

/**
 * Nodes on one SimNetwork in one virtual time: every link with the given latency, exponential
 * jitter and random loss; every random draw (links, keys, clock errors) from `options.seed`.
 */
export function simNetwork(options: SimOptions, pace: SimNetworkPace): DemoNetwork {
  const scheduler = new VirtualScheduler(1_800_000_000_000_000);
  const rng = new Prng(options.seed);
  const net = new SimNetwork({
    scheduler,
    seed: options.seed,
    defaultLink: {
      latencyUs: options.latencyMs * 1000,
      ...(options.jitterMs > 0
        ? { jitter: { distribution: 'exponential', meanUs: options.jitterMs * 1000 } }
        : {}),
      ...(options.lossPercent > 0
        ? { loss: { model: 'random', p: options.lossPercent / 100 } }
        : {}),
    },
  });
  const transports: SimTransport[] = [];
  const advance = async (us: number): Promise<void> => {
    if (!pace.paced) return scheduler.advanceBy(us);
    const startMs = performance.now();
    const startUs = scheduler.now();
    while (scheduler.now() < startUs + us) {
      await scheduler.advanceBy(Math.min(PACE_STEP_US, startUs + us - scheduler.now()));
      const aheadMs = (scheduler.now() - startUs) / 1000 - (performance.now() - startMs);
      if (aheadMs > 0) await sleepMs(aheadMs);
    }
  };
  return {
    kind: 'sim',
    description:
      `SimNetwork, seed ${options.seed}: ${options.latencyMs} ms latency, ` +
      `${options.jitterMs} ms jitter, ${options.lossPercent} % loss` +
      (options.skewMs > 0 ? `, clocks off by up to ±${options.skewMs} ms` : ''),
    now: () => scheduler.now(),
    createNode(config = {}) {
      const index = transports.length;
      const own = rng.fork(`node ${index}`);
      const offsetUs = Math.round((own.next() * 2 - 1) * options.skewMs * 1000);
      const clock = offsetScheduler(scheduler, offsetUs);
      const transport = net.bind({ clock });
      transports.push(transport);
      return Node.create({
        transport,
        scheduler: clock,
        crypto: nativeCryptoProvider({ random: own.fork('crypto') }),
        ...config,
      });
    },
    wait: advance,
    async settle<T>(promise: Promise<T>, limitUs: number): Promise<T> {
      let outcome: { ok: true; value: T } | { ok: false; reason: unknown } | undefined;
      promise.then(
        (value) => (outcome = { ok: true, value }),
        (reason: unknown) => (outcome = { ok: false, reason }),
      );
      await scheduler.runUntil(() => outcome !== undefined, limitUs);
      if (outcome === undefined) throw new DemoTimeoutError(`no answer within ${limitUs / 1e6} s`);
      if (!outcome.ok) throw outcome.reason;
      return outcome.value;
    },
    sim: net,
    async close() {
      await Promise.all(transports.map((t) => t.close()));
      await net.close();
    },
  };
}

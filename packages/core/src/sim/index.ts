/**
 * `@elara/core/sim`: the one deterministic simulator of Elara (dependency-free, published).
 * A seeded PRNG, a heap-based virtual scheduler that drains microtasks between steps, a link
 * model (latency, exponential or uniform jitter, random and Gilbert-Elliott loss, reordering,
 * duplication, bandwidth with queueing, per-direction parameters) and skewed node clocks.
 * SimNetwork (`@elara/net`) and the time-sync tests build on these pieces.
 */
export { Prng } from './prng.ts';
export { VirtualScheduler, ReentrantAdvanceError, drainMicrotasks } from './virtual-scheduler.ts';
export {
  LinkModel,
  checkLinkConfig,
  meanJitter,
  stationaryLoss,
  type JitterModel,
  type LinkConfig,
  type LinkStats,
  type LossModel,
} from './link-model.ts';
export { skewedClock, type ClockError } from './skewed-clock.ts';

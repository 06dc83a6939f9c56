import type { EventId } from '@elara/core';
import type { CausalContext } from './causal-context.ts';

/**
 * How many of `list` (events of one author, in its chain order) the causal past `context`
 * contains: an author's events form a chain, so those in a past are a prefix, found by binary
 * search in O(log n) look-ups.
 *
 * @example
 * const n = pastPrefix(changesBy(owner), context); // list[n - 1] is its latest in the past
 */
export function pastPrefix(
  list: readonly { readonly id: EventId }[],
  context: CausalContext,
): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (context.contains((list[mid] as { readonly id: EventId }).id)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

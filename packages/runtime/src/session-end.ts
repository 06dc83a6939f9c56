import type { RemovedFromSessionError } from './runtime-errors.ts';

/**
 * Why a session ended on this node (`session.end`, `session.closed$`):
 * - `left`: this node called `leave()`;
 * - `stopped`: the node stopped (`node.stop()`); it may come back with a new invite;
 * - `removed`: another member removed this node; `error` says who.
 *
 * @example
 * session.closed$.subscribe((end) => {
 *   if (end.reason === 'removed') showBanner(`removed by ${end.error.removedBy}`);
 * });
 */
export type SessionEnd =
  | { readonly reason: 'left' }
  | { readonly reason: 'stopped' }
  | { readonly reason: 'removed'; readonly error: RemovedFromSessionError };

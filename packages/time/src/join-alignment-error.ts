import { ElaraError } from '@elara/core';

/**
 * `alignAtJoin()` was called when the one permitted step of τs is no longer allowed: it was
 * already used, or the node has already emitted an event in the session.
 */
export class JoinAlignmentError extends ElaraError {
  static override readonly code: string = 'JoinAlignmentError';
}

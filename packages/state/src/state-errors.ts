import { ElaraError } from '@elara/core';
import type { RejectionReason } from './rejection-reason.ts';

/**
 * A local event the field refused (`StateField.applyLocal`): the node tried to write what it
 * may not (no authority, an operation its atom's law does not take, an oversized value...).
 * Nothing was applied and the event must not be sent.
 */
export class LocalEventRejectedError extends ElaraError {
  static override readonly code: string = 'LocalEventRejectedError';
  constructor(readonly reason: RejectionReason) {
    super(`local event rejected: ${reason}`);
  }
}

/**
 * A local event that does not follow the node's own sequence: a durable seq that is not the
 * next one, dependencies the node has not applied, or another author's event.
 */
export class LocalSequenceError extends ElaraError {
  static override readonly code: string = 'LocalSequenceError';
}

/** An atom spec that cannot be used, or an atom defined twice. */
export class AtomDefinitionError extends ElaraError {
  static override readonly code: string = 'AtomDefinitionError';
}

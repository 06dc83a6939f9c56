import type { NodeId } from '@elara/core';

/** One author's entry of an ephemeral atom (presence, typing). */
export interface EphemeralEntry {
  readonly author: NodeId;
  readonly number: number;
  /** τs of the event, µs. */
  readonly time: number;
  /** When it disappears (`time + ttlUs`), µs. */
  readonly expiresAt: number;
  /** The value, or undefined once the author deleted it (kept until it expires). */
  readonly data: Uint8Array | undefined;
}

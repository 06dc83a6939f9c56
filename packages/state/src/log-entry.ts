import type { NodeId } from '@elara/core';

/** One entry of an append log: who appended what, and where it sorts. */
export interface LogEntry {
  readonly author: NodeId;
  /** The author's durable seq (or ephemeral counter) of the appending event. */
  readonly number: number;
  /** Effective τs of the appending event, µs. */
  readonly time: number;
  /** The appended bytes (kept by the log; do not modify). */
  readonly data: Uint8Array;
}

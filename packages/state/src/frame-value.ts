import type { NodeId } from '@elara/core';

/** The value stored for one frame of a frame-based atom (last writer wins per frame). */
export interface FrameValue {
  readonly author: NodeId;
  readonly number: number;
  /** Effective τs of the event, µs. */
  readonly time: number;
  readonly data: Uint8Array;
  /** The `blend` weight, or 1 for a `set`: blending belongs to projections. */
  readonly weight: number;
}

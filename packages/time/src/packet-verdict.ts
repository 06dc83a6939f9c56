/**
 * What the network model made of one arrival. Everything but `Accepted` is counted and leaves
 * the estimates untouched.
 */
export const PacketVerdict = {
  /** A first arrival: it updated loss, jitter, reorder depth and interval. */
  Accepted: 0,
  /** Already received (within the loss window). */
  Duplicate: 1,
  /** Older than the loss window, or a large jump in numbering held on probation (RFC 3550). */
  Discarded: 2,
  /** Not a sequence number of the configured width, or a timestamp that is not finite. */
  Invalid: 3,
} as const;
export type PacketVerdict = (typeof PacketVerdict)[keyof typeof PacketVerdict];

/**
 * Header byte 1 bit masks (PROTOCOL.md §5). The reference sets only `Extension`. Elara v1
 * gives bit 7 a meaning: `Handshake` (the same bit as v0's `Reserved`) marks a frame whose
 * payload is not sealed by a pairwise channel, so a receiver hands it to the handshake before
 * any channel lookup. v0 frames pass every bit through untouched.
 */
export const FrameFlags = {
  Multipath: 0x01,
  Relay: 0x02,
  Fragment: 0x04,
  Repair: 0x08,
  Priority: 0x10,
  Extension: 0x20,
  Compressed: 0x40,
  Reserved: 0x80,
  /** v1 only: a handshake frame (unsealed control message), see `PayloadKind`. */
  Handshake: 0x80,
} as const;
export type FrameFlag = (typeof FrameFlags)[keyof typeof FrameFlags];

/** True when `flags` has every bit of `flag`. */
export function hasFlag(flags: number, flag: FrameFlag): boolean {
  return (flags & flag) === flag;
}

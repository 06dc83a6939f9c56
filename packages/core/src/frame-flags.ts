/** Header byte 1 bit masks (PROTOCOL.md §5). */
export const FrameFlags = {
  Multipath: 0x01,
  Relay: 0x02,
  Fragment: 0x04,
  Repair: 0x08,
  Priority: 0x10,
  Extension: 0x20,
  Compressed: 0x40,
  Reserved: 0x80,
} as const;
export type FrameFlag = (typeof FrameFlags)[keyof typeof FrameFlags];

/** True when `flags` has every bit of `flag`. */
export function hasFlag(flags: number, flag: FrameFlag): boolean {
  return (flags & flag) === flag;
}

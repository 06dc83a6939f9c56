/** Header extension TLV types (PROTOCOL.md §6), in the order they are serialized. */
export const ExtensionType = {
  RatchetId: 0x01,
  KeyEpoch: 0x02,
  SwarmRole: 0x03,
  RelayHop: 0x04,
  InterestMask: 0x05,
  RedundancyGroup: 0x06,
  CompressionHint: 0x07,
  FragmentInfo: 0x08,
  PathId: 0x09,
  PriorityHint: 0x0a,
  CausalityRef: 0x0b,
  End: 0xff,
} as const;
export type ExtensionType = (typeof ExtensionType)[keyof typeof ExtensionType];

/** The fixed value length of each known type; CausalityRef is variable (0..255). */
export const EXTENSION_VALUE_LENGTH: Readonly<Record<number, number | undefined>> = {
  0x01: 4,
  0x02: 2,
  0x03: 1,
  0x04: 1,
  0x05: 8,
  0x06: 2,
  0x07: 1,
  0x08: 4,
  0x09: 2,
  0x0a: 1,
};

/** Value of the SwarmRole extension (0x03). Other bytes parse as "absent". */
export const SwarmRole = {
  Participant: 0,
  Relay: 1,
  Aggregator: 2,
  Observer: 3,
  Source: 4,
} as const;
export type SwarmRole = (typeof SwarmRole)[keyof typeof SwarmRole];

/** The role of a byte, or `undefined` (the reference treats the extension as absent). */
export function swarmRoleFromByte(byte: number): SwarmRole | undefined {
  return Number.isInteger(byte) && byte >= 0 && byte <= 4 ? (byte as SwarmRole) : undefined;
}

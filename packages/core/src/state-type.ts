import { PacketClass } from './packet-class.ts';

/**
 * How a state atom behaves under pressure (PROTOCOL.md §2.4). Not on the wire in v0; in v1 the
 * target atom's StateType decides the event kind: Core atoms take durable events.
 */
export const StateType = {
  Core: 0,
  Perceptual: 1,
  Enhancement: 2,
  Cosmetic: 3,
} as const;
export type StateType = (typeof StateType)[keyof typeof StateType];

const IMPORTANCE = [1.0, 0.7, 0.3, 0.1] as const;
const CLASS: readonly PacketClass[] = [
  PacketClass.Core,
  PacketClass.Perceptual,
  PacketClass.Enhancement,
  PacketClass.Cosmetic,
];

/** The reference's importance weight (Core 1.0 … Cosmetic 0.1). */
export function stateTypeImportance(type: StateType): number {
  return IMPORTANCE[type];
}

/** The packet class that carries events of this state type. */
export function stateTypePacketClass(type: StateType): PacketClass {
  return CLASS[type] as PacketClass;
}

/** True for byte values 0..3. */
export function isStateType(value: number): value is StateType {
  return Number.isInteger(value) && value >= 0 && value <= 3;
}

import { UnknownEnumValueError } from './wire-errors.ts';

/** Header byte 20: the traffic class of a frame (PROTOCOL.md §2.1). */
export const PacketClass = {
  Core: 0x00,
  Perceptual: 0x01,
  Enhancement: 0x02,
  Cosmetic: 0x03,
  Repair: 0x04,
} as const;
export type PacketClass = (typeof PacketClass)[keyof typeof PacketClass];

/** The per-class properties of the reference (`enums.json › packet_class`). */
export interface PacketClassProperties {
  readonly name: string;
  /** Copies the reference would send (unused by it). */
  readonly redundancy: number;
  /** May be dropped under pressure. */
  readonly droppable: boolean;
  /** 0 = sent first. */
  readonly priority: number;
  /** Messages per key epoch in the reference's v0 ratchet. */
  readonly ratchetEpochLength: number;
  /** Declared replay window size (written into v0 headers). */
  readonly replayWindowDeclared: number;
  /** Effective replay window (bitmap width, capped at 64). */
  readonly replayWindowEffective: number;
}

const PROPERTIES: readonly PacketClassProperties[] = [
  {
    name: 'Core',
    redundancy: 3,
    droppable: false,
    priority: 0,
    ratchetEpochLength: 100,
    replayWindowDeclared: 64,
    replayWindowEffective: 64,
  },
  {
    name: 'Perceptual',
    redundancy: 1,
    droppable: false,
    priority: 1,
    ratchetEpochLength: 1000,
    replayWindowDeclared: 256,
    replayWindowEffective: 64,
  },
  {
    name: 'Enhancement',
    redundancy: 1,
    droppable: true,
    priority: 3,
    ratchetEpochLength: 500,
    replayWindowDeclared: 128,
    replayWindowEffective: 64,
  },
  {
    name: 'Cosmetic',
    redundancy: 1,
    droppable: true,
    priority: 4,
    ratchetEpochLength: 2000,
    replayWindowDeclared: 32,
    replayWindowEffective: 32,
  },
  {
    name: 'Repair',
    redundancy: 2,
    droppable: false,
    priority: 2,
    ratchetEpochLength: 50,
    replayWindowDeclared: 32,
    replayWindowEffective: 32,
  },
];

/** All classes in byte order. */
export const PACKET_CLASSES: readonly PacketClass[] = [0, 1, 2, 3, 4];

/** True for bytes 0..4. */
export function isPacketClass(byte: number): byte is PacketClass {
  return Number.isInteger(byte) && byte >= 0 && byte <= 4;
}

/** Parses header byte 20; any other byte is {@link UnknownEnumValueError} (`UnknownPacketClass`). */
export function packetClassFromByte(byte: number): PacketClass {
  if (!isPacketClass(byte)) throw new UnknownEnumValueError('PacketClass', byte);
  return byte;
}

/** The reference's properties of a class. */
export function packetClassProperties(cls: PacketClass): PacketClassProperties {
  return PROPERTIES[cls] as PacketClassProperties;
}

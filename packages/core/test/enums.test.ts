import { describe, expect, it } from 'vitest';
import { describeVectors } from '@elara/test-env';
import {
  EventType,
  FrameFlags,
  UnknownEnumValueError,
  degradationLevelFromByte,
  degrade,
  eventTypeFromByte,
  improve,
  isCoreProtocolEvent,
  isMspProfile,
  packetClassForEvent,
  packetClassFromByte,
  packetClassProperties,
  profileForEvent,
  representationProfileFromByte,
  stateTypeImportance,
  stateTypePacketClass,
  suiteNibbleFromValue,
  swarmRoleFromByte,
  ExtensionType,
  type DegradationLevel,
  type PacketClass,
  type StateType,
} from '../src/index.ts';

interface EnumVectors {
  packet_class: {
    byte: number;
    name: string;
    droppable: boolean;
    priority: number;
    ratchet_frequency: number;
    redundancy: number;
    replay_window_effective_bits: number;
    replay_window_size: number;
  }[];
  packet_class_invalid_examples: number[];
  representation_profile: { byte: number; msp_supported: boolean; to_byte: number }[];
  representation_profile_unknown_bytes: { byte: number; reserialized_byte: number }[];
  event_type: {
    byte: number;
    is_core_protocol: boolean;
    name: string;
    runtime_packet_class: string;
    runtime_profile: string;
  }[];
  state_type: { importance: number; name: string; packet_class: string }[];
  degradation_level: { level: number; degrade: number | null; improve: number | null }[];
  extension_type: { byte: number; name: string }[];
  swarm_role: { byte: number; name: string }[];
  crypto_suite_nibble: { nibble: number; suite: string | null }[];
  frame_flags: Record<string, number>;
}

const CLASS_BY_NAME: Record<string, PacketClass> = {
  Core: 0,
  Perceptual: 1,
  Enhancement: 2,
  Cosmetic: 3,
  Repair: 4,
};
const PROFILE_BY_NAME: Record<string, number> = {
  Textual: 0,
  VoiceMinimal: 0x10,
  VideoStandard: 0x21,
  StreamAsymmetric: 0x30,
};

describeVectors<EnumVectors>('enums.json', (v) => {
  it('packet classes and their properties', () => {
    for (const c of v.packet_class) {
      const cls = packetClassFromByte(c.byte);
      expect(packetClassProperties(cls)).toEqual({
        name: c.name,
        redundancy: c.redundancy,
        droppable: c.droppable,
        priority: c.priority,
        ratchetEpochLength: c.ratchet_frequency,
        replayWindowDeclared: c.replay_window_size,
        replayWindowEffective: c.replay_window_effective_bits,
      });
    }
    for (const b of v.packet_class_invalid_examples)
      expect(() => packetClassFromByte(b)).toThrow(UnknownEnumValueError);
  });

  it('representation profiles, unknown bytes becoming Custom (0xFF)', () => {
    for (const p of v.representation_profile) {
      expect(representationProfileFromByte(p.byte)).toBe(p.to_byte);
      expect(isMspProfile(representationProfileFromByte(p.byte))).toBe(p.msp_supported);
    }
    for (const p of v.representation_profile_unknown_bytes)
      expect(representationProfileFromByte(p.byte)).toBe(p.reserialized_byte);
  });

  it('event types with the runtime class and profile', () => {
    for (const e of v.event_type) {
      const t = eventTypeFromByte(e.byte);
      expect(t).toBe(EventType[e.name as keyof typeof EventType]);
      expect(isCoreProtocolEvent(t as EventType)).toBe(e.is_core_protocol);
      expect(packetClassForEvent(t as EventType)).toBe(CLASS_BY_NAME[e.runtime_packet_class]);
      expect(profileForEvent(t as EventType)).toBe(PROFILE_BY_NAME[e.runtime_profile]);
    }
    expect(Object.keys(EventType)).toHaveLength(v.event_type.length);
    for (let b = 0; b < 256; b++) {
      expect(eventTypeFromByte(b) === undefined).toBe(!v.event_type.some((e) => e.byte === b));
    }
  });

  it('state types, degradation levels, extensions, roles, suites, flags', () => {
    v.state_type.forEach((s, i) => {
      expect(stateTypeImportance(i as StateType)).toBe(s.importance);
      expect(stateTypePacketClass(i as StateType)).toBe(CLASS_BY_NAME[s.packet_class]);
    });
    for (const d of v.degradation_level) {
      const l = d.level as DegradationLevel;
      expect(degradationLevelFromByte(d.level)).toBe(l);
      expect(degrade(l)).toBe(d.degrade ?? l);
      expect(improve(l)).toBe(d.improve ?? l);
    }
    expect(degradationLevelFromByte(200)).toBe(5);
    for (const e of v.extension_type)
      expect(ExtensionType[e.name as keyof typeof ExtensionType]).toBe(e.byte);
    for (const r of v.swarm_role) expect(swarmRoleFromByte(r.byte)).toBe(r.byte);
    expect(swarmRoleFromByte(5)).toBeUndefined();
    for (const s of v.crypto_suite_nibble) {
      if (s.suite === null)
        expect(() => suiteNibbleFromValue(s.nibble)).toThrow(UnknownEnumValueError);
      else expect(suiteNibbleFromValue(s.nibble)).toBe(s.nibble);
    }
    for (const [name, mask] of Object.entries(v.frame_flags)) {
      const key = name.charAt(0) + name.slice(1).toLowerCase();
      expect(FrameFlags[key as keyof typeof FrameFlags]).toBe(mask);
    }
  });
});

describe('enumerations', () => {
  it('reject every byte outside the packet class range', () => {
    for (let b = 5; b < 256; b++)
      expect(() => packetClassFromByte(b)).toThrow(UnknownEnumValueError);
  });
});

import { PacketClass } from './packet-class.ts';
import { RepresentationProfile } from './representation-profile.ts';
import { StateType } from './state-type.ts';

/** First byte of a v0 event block, and the `eventType` of a v1 envelope (PROTOCOL.md §2.3). */
export const EventType = {
  StateCreate: 0x01,
  StateUpdate: 0x02,
  StateDelete: 0x03,
  AuthorityGrant: 0x10,
  AuthorityRevoke: 0x11,
  SessionJoin: 0x20,
  SessionLeave: 0x21,
  SessionSync: 0x22,
  TimeSync: 0x30,
  TimeCorrection: 0x31,
  StateRequest: 0x40,
  StateResponse: 0x41,
  GapFill: 0x42,
  TextAppend: 0x80,
  TextEdit: 0x81,
  TextDelete: 0x82,
  TextReact: 0x83,
  VoiceFrame: 0x90,
  VoiceMute: 0x91,
  PresenceUpdate: 0xa0,
  TypingStart: 0xa1,
  TypingStop: 0xa2,
  VisualKeyframe: 0xb0,
  VisualDelta: 0xb1,
  StreamStart: 0xc0,
  StreamEnd: 0xc1,
  FeedAppend: 0xd0,
  FeedDelete: 0xd1,
} as const;
export type EventType = (typeof EventType)[keyof typeof EventType];

// A 256-entry table: envelope codecs run this per event, and a Set lookup costs more.
const KNOWN = new Uint8Array(256);
for (const t of Object.values(EventType)) KNOWN[t] = 1;

/** The event type of a byte, or `undefined` for unknown bytes (the reference's `None`). */
export function eventTypeFromByte(byte: number): EventType | undefined {
  return KNOWN[byte] === 1 ? (byte as EventType) : undefined;
}

/** The reference's `is_core_protocol()`: bytes below 0x80. */
export function isCoreProtocolEvent(type: EventType): boolean {
  return type < 0x80;
}

/** The packet class the reference runtime sends an event type in (`class_for_event`). */
export function packetClassForEvent(type: EventType): PacketClass {
  switch (type) {
    case EventType.StateRequest:
    case EventType.StateResponse:
    case EventType.GapFill:
      return PacketClass.Repair;
    case EventType.VoiceFrame:
    case EventType.VoiceMute:
    case EventType.TypingStart:
    case EventType.TypingStop:
    case EventType.PresenceUpdate:
    case EventType.VisualKeyframe:
    case EventType.VisualDelta:
      return PacketClass.Perceptual;
    default:
      return PacketClass.Core;
  }
}

/** The representation profile the reference runtime uses for an event type (`profile_for_event`). */
export function profileForEvent(type: EventType): RepresentationProfile {
  switch (type) {
    case EventType.VoiceFrame:
    case EventType.VoiceMute:
      return RepresentationProfile.VoiceMinimal;
    case EventType.VisualKeyframe:
    case EventType.VisualDelta:
      return RepresentationProfile.VideoStandard;
    case EventType.StreamStart:
    case EventType.StreamEnd:
      return RepresentationProfile.StreamAsymmetric;
    default:
      return RepresentationProfile.Textual;
  }
}

/** The StateType the reference's reconciliation gives a new atom created by this event type. */
export function stateTypeForEvent(type: EventType): StateType {
  switch (type) {
    case EventType.VoiceFrame:
    case EventType.VoiceMute:
    case EventType.PresenceUpdate:
    case EventType.TypingStart:
    case EventType.TypingStop:
    case EventType.VisualKeyframe:
    case EventType.VisualDelta:
      return StateType.Perceptual;
    default:
      return StateType.Core;
  }
}

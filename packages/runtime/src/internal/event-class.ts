import {
  type EventEnvelope,
  EventKind,
  PacketClass,
  type RepresentationProfile,
  packetClassForEvent,
  profileForEvent,
} from '@elara/core';

/** The packet class an event travels in: Core for durable events, its type's otherwise. */
export function eventClass(event: EventEnvelope): PacketClass {
  return event.kind === EventKind.Durable ? PacketClass.Core : packetClassForEvent(event.eventType);
}

/** The representation profile of an event's frame (its type's). */
export function eventProfile(event: EventEnvelope): RepresentationProfile {
  return profileForEvent(event.eventType);
}

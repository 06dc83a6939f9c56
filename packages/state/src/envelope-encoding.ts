import { encodeEnvelope, type EventEnvelope } from '@elara/core';

/** Encodings already made, by envelope object (envelopes are never changed once built). */
const known = new WeakMap<EventEnvelope, Uint8Array>();

/**
 * Remembers `bytes` as the encoding of `envelope` (this very object), so the local log and
 * the event store take them instead of encoding it again: a local durable event is encoded
 * once. The bytes are then shared: nobody may modify them.
 */
export function rememberEncoding(envelope: EventEnvelope, bytes: Uint8Array): void {
  known.set(envelope, bytes);
}

/** The encoding of `envelope`: the remembered one, or a fresh `encodeEnvelope`. */
export function encodingOf(envelope: EventEnvelope): Uint8Array {
  return known.get(envelope) ?? encodeEnvelope(envelope);
}

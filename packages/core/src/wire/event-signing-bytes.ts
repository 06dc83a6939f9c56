import { OutOfRangeError } from '../elara-error.ts';
import { EventKind } from '../event-kind.ts';
import { type EventSigner, type EventVerifier, SIGNATURE_LENGTH } from '../event-signing.ts';
import type { SessionId } from '../session-id.ts';
import { isU64 } from '../u64.ts';
import { viewOf } from './internal/data-view.ts';
import {
  type DurableEnvelope,
  encodeUnsignedEnvelopeInto,
  type UnsignedDurableEnvelope,
  unsignedEnvelopeSize,
} from './v1-envelope.ts';

/**
 * The domain label that starts every durable event's signing bytes, so an event signature can
 * never be mistaken for a signature over anything else the identity key signs.
 */
export const EVENT_SIGNING_LABEL = 'ELARA_EVENT_SIG_v1';

const LABEL = Uint8Array.from(EVENT_SIGNING_LABEL, (c) => c.charCodeAt(0));

/**
 * The bytes a durable event's Ed25519 signature covers:
 * `"ELARA_EVENT_SIG_v1" (18 ASCII bytes) ‖ sessionId:u64 LE ‖ the envelope without its signature`
 * (kind, author, seq, τs, target, event type, dependencies, mutation: every field, in wire
 * order). Binding the session id means a signed event cannot be replayed into another session.
 * A `signature` already present is ignored; an envelope that is not durable is an
 * {@link OutOfRangeError} (ephemeral events are never signed).
 *
 * @example
 * const signature = signer(eventSigningBytes(session, unsigned));
 */
export function eventSigningBytes(
  session: SessionId,
  envelope: UnsignedDurableEnvelope | DurableEnvelope,
): Uint8Array {
  if (!isU64(session)) throw new OutOfRangeError(`session id ${String(session)} is not a u64`);
  if (envelope.kind !== EventKind.Durable) {
    throw new OutOfRangeError(
      `only durable envelopes are signed, not kind ${String(envelope.kind)}`,
    );
  }
  const out = new Uint8Array(LABEL.length + 8 + unsignedEnvelopeSize(envelope));
  out.set(LABEL);
  viewOf(out).setBigUint64(LABEL.length, session, true);
  encodeUnsignedEnvelopeInto(envelope, out, LABEL.length + 8);
  return out;
}

/**
 * Signs a durable envelope with `sign` (an {@link EventSigner}: the runtime builds one from the
 * node's identity) and returns it with its signature. A signer that does not return 64 bytes
 * is an {@link OutOfRangeError}.
 *
 * @example
 * const event = signEnvelope(session, { kind: EventKind.Durable, author: me, seq: 7, ... }, signer);
 */
export function signEnvelope(
  session: SessionId,
  envelope: UnsignedDurableEnvelope,
  sign: EventSigner,
): DurableEnvelope {
  const signature = sign(eventSigningBytes(session, envelope));
  if (signature.length !== SIGNATURE_LENGTH) {
    throw new OutOfRangeError(`signer returned ${signature.length} bytes, not ${SIGNATURE_LENGTH}`);
  }
  return { ...envelope, signature };
}

/**
 * Checks a durable envelope's signature for its author with `verify` (an
 * {@link EventVerifier}). Envelopes from {@link decodeEnvelope} always have encodable fields.
 *
 * @example
 * if (!verifyEnvelope(session, env, verifier)) counters.badSignature++;
 */
export function verifyEnvelope(
  session: SessionId,
  envelope: DurableEnvelope,
  verify: EventVerifier,
): boolean {
  return verify(envelope.author, eventSigningBytes(session, envelope), envelope.signature);
}

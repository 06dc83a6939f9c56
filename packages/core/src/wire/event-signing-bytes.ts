import { OutOfRangeError } from '../elara-error.ts';
import { EventKind } from '../event-kind.ts';
import { type EventSigner, type EventVerifier, SIGNATURE_LENGTH } from '../event-signing.ts';
import type { SessionId } from '../session-id.ts';
import { isU64 } from '../u64.ts';
import { InvalidWireFormatError } from '../wire-errors.ts';
import { viewOf } from './internal/data-view.ts';
import {
  decodeEnvelope,
  type DurableEnvelope,
  ENVELOPE_COMMON_SIZE,
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

/** The shortest durable envelope: common fields, dependency count, a 1-byte mutation, signature. */
const MIN_DURABLE_SIZE = ENVELOPE_COMMON_SIZE + 1 + 1 + SIGNATURE_LENGTH;

function signingPrefix(session: SessionId, bodyLength: number): Uint8Array {
  if (!isU64(session)) throw new OutOfRangeError(`session id ${String(session)} is not a u64`);
  const out = new Uint8Array(LABEL.length + 8 + bodyLength);
  out.set(LABEL);
  viewOf(out).setBigUint64(LABEL.length, session, true);
  return out;
}

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
  if (envelope.kind !== EventKind.Durable) {
    throw new OutOfRangeError(
      `only durable envelopes are signed, not kind ${String(envelope.kind)}`,
    );
  }
  const out = signingPrefix(session, unsignedEnvelopeSize(envelope));
  encodeUnsignedEnvelopeInto(envelope, out, LABEL.length + 8);
  return out;
}

/**
 * The same signing bytes taken from a durable envelope's received bytes (`splitEventBatch`
 * and repair responses give them): the label, the session id and those bytes without their
 * last 64 (the signature), copied, never re-encoded. So what is verified is exactly what was
 * received, whatever a re-encoding might change. Only the kind byte and the length are checked
 * here (not a durable envelope: {@link InvalidWireFormatError}); {@link verifyEnvelopeBytes}
 * decodes the bytes first.
 *
 * @example
 * const signingBytes = eventSigningBytesFromWire(session, raw); // raw from splitEventBatch
 */
export function eventSigningBytesFromWire(
  session: SessionId,
  envelopeBytes: Uint8Array,
): Uint8Array {
  if (envelopeBytes.length < MIN_DURABLE_SIZE || envelopeBytes[0] !== EventKind.Durable) {
    throw new InvalidWireFormatError('signing bytes come only from a durable envelope');
  }
  const body = envelopeBytes.subarray(0, envelopeBytes.length - SIGNATURE_LENGTH);
  const out = signingPrefix(session, body.length);
  out.set(body, LABEL.length + 8);
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
 * {@link EventVerifier}), over its re-encoded signing bytes. That is bit-exact for every
 * envelope {@link decodeEnvelope} returns (the v1 rules, finite Blend weights among them, make
 * decode then encode the identity); with the received bytes at hand, prefer
 * {@link verifyEnvelopeBytes}, which does not re-encode at all.
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

/**
 * Checks the signature of a durable envelope's received bytes: decodes them strictly (a bad or
 * ephemeral envelope is a named `WireError`; decoding costs far less than the Ed25519 check),
 * then verifies the signature they carry for the author they name over
 * {@link eventSigningBytesFromWire}: what was received, never a re-encoding.
 *
 * @example
 * for (const raw of splitEventBatch(payload)) {
 *   if (!verifyEnvelopeBytes(session, raw, verifier)) counters.badSignature++;
 * }
 */
export function verifyEnvelopeBytes(
  session: SessionId,
  envelopeBytes: Uint8Array,
  verify: EventVerifier,
): boolean {
  const envelope = decodeEnvelope(envelopeBytes);
  if (envelope.kind !== EventKind.Durable) {
    throw new InvalidWireFormatError('an ephemeral envelope carries no signature');
  }
  return verify(
    envelope.author,
    eventSigningBytesFromWire(session, envelopeBytes),
    envelope.signature,
  );
}

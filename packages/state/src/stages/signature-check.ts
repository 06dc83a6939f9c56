import {
  ByteWriter,
  type DurableEnvelope,
  ElaraError,
  EVENT_SIGNING_LABEL,
  type EventVerifier,
  eventSigningBytes,
  type SessionId,
  SIGNATURE_LENGTH,
} from '@elara/core';
import { RejectionReason } from '../rejection-reason.ts';

/**
 * Checks a durable event's signature: returns a rejection reason, or undefined when authentic.
 * `raw`, when given, must be the envelope's exact received bytes.
 */
export type SignatureCheck = (
  envelope: DurableEnvelope,
  raw: Uint8Array | undefined,
) => RejectionReason | undefined;

/**
 * The authority stage's signature check (state never imports crypto: `verify` is injected).
 * A missing or short signature is `MissingSignature`; one the verifier refuses `BadSignature`;
 * an envelope given as a value that the codec would not encode `Malformed`.
 * With the received bytes at hand the signing bytes are the label, the session id and those
 * bytes without the signature, written into one reused buffer; so what is verified is exactly
 * what was received, and the hot path allocates nothing but a view. (The verifier must not
 * keep the bytes it is given, as `EventVerifier` implies.)
 *
 * @example
 * const check = signatureCheck(session, verifier);
 * check(envelope, raw); // undefined when authentic
 */
export function signatureCheck(session: SessionId, verify: EventVerifier): SignatureCheck {
  // eventSigningBytes' layout: the ASCII label, then the session id as a u64 LE.
  const prefix = new ByteWriter(EVENT_SIGNING_LABEL.length + 8)
    .bytes(Uint8Array.from(EVENT_SIGNING_LABEL, (c) => c.charCodeAt(0)))
    .u64(session)
    .toBytes();
  let scratch = new Uint8Array(1024);
  scratch.set(prefix);
  return (envelope, raw) => {
    const signature = envelope.signature;
    if (signature.length !== SIGNATURE_LENGTH) return RejectionReason.MissingSignature;
    let bytes: Uint8Array;
    if (raw === undefined) {
      try {
        bytes = eventSigningBytes(session, envelope);
      } catch (e) {
        // A value the codec would not encode (it cannot have been signed as is).
        if (!ElaraError.isInstance(e)) throw e;
        return RejectionReason.Malformed;
      }
    } else {
      const body = raw.length - SIGNATURE_LENGTH;
      const size = prefix.length + body;
      if (scratch.length < size) {
        scratch = new Uint8Array(Math.max(size, scratch.length * 2));
        scratch.set(prefix);
      }
      scratch.set(raw.subarray(0, body), prefix.length);
      bytes = scratch.subarray(0, size);
    }
    let good: boolean;
    try {
      good = verify(envelope.author, bytes, signature);
    } catch {
      // A verifier must not throw (EventVerifier); one that does refuses the event.
      good = false;
    }
    return good ? undefined : RejectionReason.BadSignature;
  };
}

import { BufferTooShortError, UnknownEnumValueError } from '../wire-errors.ts';

/**
 * The first byte of every Elara v1 payload (the plaintext inside a sealed frame), so a receiver
 * tells events, control messages and fragments apart before decoding anything else. v0
 * payloads have no such byte (they start with an event block).
 *
 * | Byte | Kind     | Rest of the payload                                         |
 * |------|----------|-------------------------------------------------------------|
 * | 0x01 | Events   | event envelopes, each `len:u16 ‖ envelope` (`encodeEventBatch`) |
 * | 0x02 | Control  | `type:u8 ‖ body` (`encodeControlMessage`)                   |
 * | 0x03 | Fragment | `messageId:u32 ‖ index:u16 ‖ total:u16 ‖ chunk` (`fragmentPayload`) |
 */
export const PayloadKind = { Events: 0x01, Control: 0x02, Fragment: 0x03 } as const;
export type PayloadKind = (typeof PayloadKind)[keyof typeof PayloadKind];

/**
 * The kind of a v1 payload: an empty payload is a {@link BufferTooShortError}, an unknown first
 * byte an {@link UnknownEnumValueError}.
 *
 * @example
 * switch (payloadKind(opened)) {
 *   case PayloadKind.Events: return state.receive(decodeEventBatch(opened));
 *   case PayloadKind.Control: return runtime.control(decodeControlMessage(opened));
 *   case PayloadKind.Fragment: return reassembler.add(peer, decodeFragment(opened), now);
 * }
 */
export function payloadKind(payload: Uint8Array): PayloadKind {
  if (payload.length === 0) throw new BufferTooShortError(1, 0, 'payload kind');
  const kind = payload[0] as number;
  if (kind < 0x01 || kind > 0x03) throw new UnknownEnumValueError('PayloadKind', kind);
  return kind as PayloadKind;
}

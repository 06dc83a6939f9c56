import { ByteReader, ByteWriter, InvalidWireFormatError, TooLargeError } from '@elara/core';
import { decodeTextMessage, encodeTextMessage, type TextMessage } from './text-message.ts';

/** The most messages one encoded list holds (its count is a u16). */
export const MAX_TEXT_STREAM_MESSAGES = 0xffff;

/**
 * The reference's `TextStream::encode` (PROTOCOL.md §14.1): `count:u16 ‖ (len:u16 ‖
 * TextMessage)*`, e.g. to hand a Rust peer a page of history. More than 65 535 messages, or a
 * message longer than a u16 length, is a {@link TooLargeError}.
 *
 * @example
 * const page = encodeTextStream(messages.slice(-50));
 */
export function encodeTextStream(messages: readonly TextMessage[]): Uint8Array {
  if (messages.length > MAX_TEXT_STREAM_MESSAGES) {
    throw new TooLargeError(messages.length, MAX_TEXT_STREAM_MESSAGES, 'text stream messages');
  }
  const encoded = messages.map(encodeTextMessage);
  let size = 2;
  for (const e of encoded) {
    if (e.length > 0xffff) throw new TooLargeError(e.length, 0xffff, 'text stream entry');
    size += 2 + e.length;
  }
  const w = new ByteWriter(size, 'text stream');
  w.u16(encoded.length);
  for (const e of encoded) w.u16(e.length).bytes(e);
  return w.finish();
}

/**
 * Decodes {@link encodeTextStream}'s bytes. Each entry's length must be exactly what its
 * message uses and nothing may follow the last one ({@link InvalidWireFormatError});
 * truncation is a `BufferTooShortError`. Contents are views into `bytes`.
 */
export function decodeTextStream(bytes: Uint8Array): TextMessage[] {
  const r = new ByteReader(bytes);
  const count = r.u16();
  const out: TextMessage[] = [];
  for (let i = 0; i < count; i++) {
    const entry = r.bytes(r.u16());
    const { message, consumed } = decodeTextMessage(entry);
    if (consumed !== entry.length) {
      throw new InvalidWireFormatError(
        `text stream entry ${i}: ${entry.length - consumed} extra bytes`,
      );
    }
    out.push(message);
  }
  if (r.remaining !== 0) {
    throw new InvalidWireFormatError(`text stream: ${r.remaining} bytes after the last entry`);
  }
  return out;
}

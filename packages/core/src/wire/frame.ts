import { OutOfRangeError } from '../elara-error.ts';
import { FrameFlags } from '../frame-flags.ts';
import { BufferTooShortError, InvalidWireFormatError, TooLargeError } from '../wire-errors.ts';
import {
  checkExtensions,
  decodeExtensions,
  encodeExtensions,
  extensionsSize,
  hasExtensions,
  type HeaderExtensions,
  NO_EXTENSIONS,
} from './extensions.ts';
import {
  checkHeaderV1,
  decodeHeader,
  encodeHeader,
  FIXED_HEADER_SIZE,
  type FixedHeader,
} from './header.ts';

/** The trailing 16 bytes of every frame. */
export const AUTH_TAG_SIZE = 16;
/** Header plus tag: the smallest frame. */
export const MIN_FRAME_SIZE = FIXED_HEADER_SIZE + AUTH_TAG_SIZE;
/** The largest frame the codecs build or (in v1) accept. */
export const MAX_FRAME_SIZE = 1400;
/** The largest payload of a frame without extensions: 1400 − 30 − 16 = 1354. */
export const MAX_PAYLOAD_SIZE = MAX_FRAME_SIZE - MIN_FRAME_SIZE;

/**
 * A frame: `header(30) ‖ extensions ‖ payload ‖ authTag(16)` (PROTOCOL.md §7).
 *
 * What payload and tag hold is the sealing layer's business (`@elara/crypto`): the reference's
 * secure v0 frames put `ciphertext ‖ poly1305 tag` in the payload and 16 zero bytes in
 * `authTag`. Decoded `payload`, `authTag` and `extensions.causalityRef` are **views into the
 * input bytes**, valid only while the caller keeps those bytes unchanged (for a received
 * datagram: during the receive callback); copy anything kept longer.
 */
export interface Frame {
  readonly header: FixedHeader;
  readonly extensions: HeaderExtensions;
  readonly payload: Uint8Array;
  /** Exactly {@link AUTH_TAG_SIZE} bytes. */
  readonly authTag: Uint8Array;
}

function extensionBytes(ext: HeaderExtensions): number {
  return hasExtensions(ext) ? extensionsSize(ext) : 0;
}

/** The encoded size: 30 + extensions (0 when none) + payload + 16. */
export function frameSize(frame: Frame): number {
  return (
    FIXED_HEADER_SIZE + extensionBytes(frame.extensions) + frame.payload.length + AUTH_TAG_SIZE
  );
}

/**
 * Writes a frame at `target[offset..)` as the reference's `Frame::serialize` does and returns
 * the offset after it: headerLen is overwritten with 30 + extension bytes, the EXTENSION flag
 * is set when extensions are present (a caller-set flag is kept), then extensions (with their
 * End marker; nothing when empty), payload and tag. A frame over {@link MAX_FRAME_SIZE} is a
 * {@link TooLargeError}; a tag that is not 16 bytes an {@link OutOfRangeError}.
 *
 * @example
 * const buf = new Uint8Array(MAX_FRAME_SIZE);
 * const end = encodeFrameInto({ header, extensions: NO_EXTENSIONS, payload, authTag }, buf);
 * socket.send(buf.subarray(0, end));
 */
export function encodeFrameInto(frame: Frame, target: Uint8Array, offset = 0): number {
  const { header, extensions, payload, authTag } = frame;
  if (authTag.length !== AUTH_TAG_SIZE) {
    throw new OutOfRangeError(`auth tag must be ${AUTH_TAG_SIZE} bytes, got ${authTag.length}`);
  }
  checkExtensions(extensions);
  const extLen = extensionBytes(extensions);
  const total = FIXED_HEADER_SIZE + extLen + payload.length + AUTH_TAG_SIZE;
  if (total > MAX_FRAME_SIZE) throw new TooLargeError(total, MAX_FRAME_SIZE, 'frame');
  if (offset >>> 0 !== offset || target.length - offset < total) {
    throw new BufferTooShortError(offset + total, target.length, 'frame target');
  }
  let at = encodeHeader(header, target, offset);
  const headerLen = FIXED_HEADER_SIZE + extLen;
  target[offset + 1] = extLen > 0 ? header.flags | FrameFlags.Extension : header.flags;
  target[offset + 2] = headerLen & 0xff;
  target[offset + 3] = headerLen >>> 8;
  if (extLen > 0) at = encodeExtensions(extensions, target, at);
  target.set(payload, at);
  at += payload.length;
  target.set(authTag, at);
  return at + AUTH_TAG_SIZE;
}

/**
 * Encodes a frame into a new buffer of exactly {@link frameSize} bytes (see
 * {@link encodeFrameInto} for the rules and errors).
 *
 * @example
 * const bytes = encodeFrame({ header, extensions: NO_EXTENSIONS, payload, authTag: new Uint8Array(16) });
 */
export function encodeFrame(frame: Frame): Uint8Array {
  const size = frameSize(frame);
  if (size > MAX_FRAME_SIZE) throw new TooLargeError(size, MAX_FRAME_SIZE, 'frame');
  const out = new Uint8Array(size);
  encodeFrameInto(frame, out);
  return out;
}

/**
 * The reference wire crate's `associated_data()`: the header with headerLen recomputed (the
 * EXTENSION flag *not* forced) followed by the extensions when present. Kept for byte
 * compatibility only: the reference's secure frames do not authenticate this (PROTOCOL.md
 * §10.4), and `@elara/crypto` defines what v1 authenticates.
 */
export function frameAssociatedData(frame: Frame): Uint8Array {
  const extLen = extensionBytes(frame.extensions);
  const out = new Uint8Array(FIXED_HEADER_SIZE + extLen);
  encodeHeader({ ...frame.header, headerLen: FIXED_HEADER_SIZE + extLen }, out);
  if (extLen > 0) encodeExtensions(frame.extensions, out, FIXED_HEADER_SIZE);
  return out;
}

/**
 * Decodes a frame with the reference's rules (wire version 0, PROTOCOL.md §7): fewer than 46
 * bytes is a {@link BufferTooShortError}; the header as {@link decodeHeader}; headerLen past
 * `length − 16` an {@link InvalidWireFormatError}; extensions are read from `[30, headerLen)`
 * only when the EXTENSION flag is set and headerLen > 30 (otherwise those bytes are skipped);
 * payload is `[headerLen, length − 16)`, the tag the last 16 bytes.
 *
 * Like the reference, a headerLen below 30 is accepted and the payload then overlaps the
 * header (vector `frames.json › frame_parse_cases › header_len_below_30`); no read leaves the
 * input. {@link decodeFrameV1} rejects it. Nothing is copied: see {@link Frame} for the
 * lifetime of the views.
 *
 * @example
 * const { header, payload } = decodeFrame(datagram);
 */
export function decodeFrame(bytes: Uint8Array): Frame {
  const length = bytes.length;
  if (length < MIN_FRAME_SIZE) throw new BufferTooShortError(MIN_FRAME_SIZE, length, 'frame');
  const header = decodeHeader(bytes);
  const headerLen = header.headerLen;
  const tagAt = length - AUTH_TAG_SIZE;
  if (headerLen > tagAt) throw new InvalidWireFormatError('header length exceeds frame');
  const extensions =
    (header.flags & FrameFlags.Extension) !== 0 && headerLen > FIXED_HEADER_SIZE
      ? decodeExtensions(bytes, FIXED_HEADER_SIZE, headerLen).extensions
      : NO_EXTENSIONS;
  return {
    header,
    extensions,
    payload: bytes.subarray(headerLen, tagAt),
    authTag: bytes.subarray(tagAt, length),
  };
}

/**
 * Decodes an Elara v1 frame: the same layout as {@link decodeFrame}, with the reference's
 * gaps closed (PROTOCOL.md §19.11). Beyond the v0 checks it rejects, with named errors:
 * more than {@link MAX_FRAME_SIZE} bytes ({@link TooLargeError}); a version nibble other than 1
 * or a suite other than 0 ({@link UnknownEnumValueError}); headerLen below 30; extension bytes
 * without the EXTENSION flag; and a TLV area that the walk does not consume exactly
 * (dangling or trailing bytes) ({@link InvalidWireFormatError}). Views as in {@link Frame}.
 *
 * @example
 * const frame = decodeFrameV1(datagram);
 * const opened = channel.open(frame); // @elara/crypto
 */
export function decodeFrameV1(bytes: Uint8Array): Frame {
  const length = bytes.length;
  if (length > MAX_FRAME_SIZE) throw new TooLargeError(length, MAX_FRAME_SIZE, 'frame');
  if (length < MIN_FRAME_SIZE) throw new BufferTooShortError(MIN_FRAME_SIZE, length, 'frame');
  const header = decodeHeader(bytes);
  checkHeaderV1(header);
  const headerLen = header.headerLen;
  const tagAt = length - AUTH_TAG_SIZE;
  if (headerLen > tagAt) throw new InvalidWireFormatError('header length exceeds frame');
  let extensions = NO_EXTENSIONS;
  if (headerLen > FIXED_HEADER_SIZE) {
    if ((header.flags & FrameFlags.Extension) === 0) {
      throw new InvalidWireFormatError('extension bytes without the EXTENSION flag');
    }
    const decoded = decodeExtensions(bytes, FIXED_HEADER_SIZE, headerLen);
    if (decoded.consumed !== headerLen - FIXED_HEADER_SIZE) {
      throw new InvalidWireFormatError('bytes left in the extension area');
    }
    extensions = decoded.extensions;
  }
  return {
    header,
    extensions,
    payload: bytes.subarray(headerLen, tagAt),
    authTag: bytes.subarray(tagAt, length),
  };
}

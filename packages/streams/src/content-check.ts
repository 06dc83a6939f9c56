import {
  type ContentKind,
  ContentTooLargeError,
  EmptyContentError,
  MalformedContentError,
} from './stream-errors.ts';

const encoder = new TextEncoder();

/** True when `s` has no lone surrogate (what UTF-8 can carry unchanged). */
function wellFormed(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    if (c > 0xdbff) return false; // a low surrogate with no high one before it
    const next = s.charCodeAt(i + 1);
    if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
    i++;
  }
  return true;
}

/**
 * The UTF-8 bytes of text a stream is asked to write, after the checks every write makes:
 * a well-formed string ({@link MalformedContentError}), not empty unless `allowEmpty`
 * ({@link EmptyContentError}), at most `limit` bytes ({@link ContentTooLargeError}).
 */
export function contentBytes(
  value: unknown,
  what: ContentKind,
  limit: number,
  allowEmpty = false,
): Uint8Array {
  if (typeof value !== 'string') throw new MalformedContentError(what);
  // Every UTF-16 unit takes at least one UTF-8 byte: a huge string is refused before it is
  // scanned or encoded (its reported size is then that lower bound).
  if (value.length > limit) throw new ContentTooLargeError(what, value.length, limit);
  if (!wellFormed(value)) throw new MalformedContentError(what);
  if (value.length === 0 && !allowEmpty) throw new EmptyContentError(what);
  const bytes = encoder.encode(value);
  if (bytes.length > limit) throw new ContentTooLargeError(what, bytes.length, limit);
  return bytes;
}

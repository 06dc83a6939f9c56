import { type AuthorityPolicy, AtomOp, AuthorityScope, MAX_LOG_BYTES } from '@elara/state';
import { MAX_MUTATION_DATA } from '@elara/core';
import { PRESENCE_MIN_SIZE } from './msp/presence.ts';
import { DEFAULT_TYPING_TTL_MS } from './msp/typing-indicator.ts';
import { TEXT_MESSAGE_OVERHEAD } from './msp/text-message.ts';
import { StreamOptionsError } from './stream-errors.ts';

/**
 * Text streams. Every replica of a session must use the same values: they define the stream's
 * atom (its log bounds and the largest record it accepts).
 */
export interface TextOptions {
  /** Largest message (and edit) content, UTF-8 bytes. */
  readonly maxContentBytes: number;
  /** Largest reaction, UTF-8 bytes. */
  readonly maxReactionBytes: number;
  /** Log records kept (messages, edits, deletes and reactions): the oldest go first. */
  readonly maxEntries: number;
  /** Bytes of log records kept. */
  readonly maxLogBytes: number;
  /** Who may write (default: every session member may append). */
  readonly authority: AuthorityPolicy;
}

/** Presence. Every replica must use the same values (they define the presence atom). */
export interface PresenceOptions {
  /** A member not heard from for this long (τs µs) is no longer present. */
  readonly timeoutUs: number;
  /** Largest custom status text, UTF-8 bytes. */
  readonly maxStatusBytes: number;
  /** Who may write their presence (default: every session member). */
  readonly authority: AuthorityPolicy;
}

/** Typing indicators. Every replica must use the same `ttlUs` (it defines the atom). */
export interface TypingOptions {
  /** An indicator disappears this long (τs µs) after it was last sent. */
  readonly ttlUs: number;
  /**
   * `start()` while already typing sends again only once this long (µs) has passed since the
   * last indicator, so calling it on every keystroke costs one event per `refreshUs`.
   */
  readonly refreshUs: number;
  readonly authority: AuthorityPolicy;
}

/** Everything a {@link Streams} registry is configured with. */
export interface StreamOptions {
  /** Streams open at once (every kind counted). */
  readonly maxStreams: number;
  readonly text: TextOptions;
  readonly presence: PresenceOptions;
  readonly typing: TypingOptions;
}

/** Options as given: any part may be left out. */
export interface StreamOptionsInput {
  readonly maxStreams?: number;
  readonly text?: Partial<TextOptions>;
  readonly presence?: Partial<PresenceOptions>;
  readonly typing?: Partial<TypingOptions>;
}

/** Members write (set or delete) their own entry of presence and typing atoms. */
const OWN_ENTRY: AuthorityPolicy = { owners: [], members: AtomOp.Set | AtomOp.Remove };

/** The defaults: 4 KiB messages, 10 000 records / 16 MiB per text log, 30 s presence, 5 s typing. */
export const DEFAULT_STREAM_OPTIONS: StreamOptions = {
  maxStreams: 1_024,
  text: {
    maxContentBytes: 4_096,
    maxReactionBytes: 64,
    maxEntries: 10_000,
    maxLogBytes: 16 * 1024 * 1024,
    authority: { owners: [], members: AuthorityScope.Append },
  },
  presence: { timeoutUs: 30_000_000, maxStatusBytes: 256, authority: OWN_ENTRY },
  typing: {
    ttlUs: DEFAULT_TYPING_TTL_MS * 1_000,
    refreshUs: (DEFAULT_TYPING_TTL_MS * 1_000) / 2,
    authority: OWN_ENTRY,
  },
};

/** The largest content a text record can carry: its size must fit a mutation's u16 length. */
export const MAX_TEXT_CONTENT_BYTES = MAX_MUTATION_DATA - TEXT_MESSAGE_OVERHEAD;

/** The largest custom status a presence record can carry. */
export const MAX_STATUS_BYTES = MAX_MUTATION_DATA - PRESENCE_MIN_SIZE - 2;

function check(ok: boolean, what: string): void {
  if (!ok) throw new StreamOptionsError(`stream options: ${what}`);
}

function int(v: number, min: number, max: number): boolean {
  return Number.isSafeInteger(v) && v >= min && v <= max;
}

/**
 * The full options: `input` over {@link DEFAULT_STREAM_OPTIONS}, checked. A value out of range
 * is a {@link StreamOptionsError}. A typing TTL not set explicitly keeps `refreshUs` at half of
 * it.
 *
 * @example
 * const options = streamOptions({ typing: { ttlUs: 500_000 } }); // refreshUs 250 000
 */
export function streamOptions(input: StreamOptionsInput = {}): StreamOptions {
  const d = DEFAULT_STREAM_OPTIONS;
  const text = { ...d.text, ...input.text };
  const presence = { ...d.presence, ...input.presence };
  const ttlUs = input.typing?.ttlUs ?? d.typing.ttlUs;
  const typing = { ...d.typing, refreshUs: Math.floor(ttlUs / 2), ...input.typing };
  const maxStreams = input.maxStreams ?? d.maxStreams;
  check(int(maxStreams, 1, 1 << 20), 'maxStreams must be 1..2^20');
  check(
    int(text.maxContentBytes, 1, MAX_TEXT_CONTENT_BYTES),
    `text.maxContentBytes 1..${MAX_TEXT_CONTENT_BYTES}`,
  );
  check(
    int(text.maxReactionBytes, 1, MAX_TEXT_CONTENT_BYTES),
    `text.maxReactionBytes 1..${MAX_TEXT_CONTENT_BYTES}`,
  );
  check(int(text.maxEntries, 1, 0x3fff_ffff), 'text.maxEntries 1..2^30-1');
  const record = TEXT_MESSAGE_OVERHEAD + Math.max(text.maxContentBytes, text.maxReactionBytes);
  check(
    int(text.maxLogBytes, record, MAX_LOG_BYTES),
    `text.maxLogBytes ${record}..${MAX_LOG_BYTES} (at least one largest record)`,
  );
  check(int(presence.timeoutUs, 1, Number.MAX_SAFE_INTEGER), 'presence.timeoutUs must be ≥ 1');
  check(
    int(presence.maxStatusBytes, 0, MAX_STATUS_BYTES),
    `presence.maxStatusBytes 0..${MAX_STATUS_BYTES}`,
  );
  // The indicator carries its TTL in whole ms as a u32.
  check(int(typing.ttlUs, 1, 0xffff_ffff * 1_000), 'typing.ttlUs must be 1..2^32 ms');
  check(int(typing.refreshUs, 0, typing.ttlUs), 'typing.refreshUs must be 0..ttlUs');
  return { maxStreams, text, presence, typing };
}

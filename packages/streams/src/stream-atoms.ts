import {
  type StateId,
  StateType,
  StateTypePrefix,
  stateIdFromParts,
  stateIdType,
} from '@elara/core';
import { type AtomResolver, type AtomSpec, DeltaLaw } from '@elara/state';
import { PRESENCE_MIN_SIZE } from './msp/presence.ts';
import { TEXT_MESSAGE_OVERHEAD } from './msp/text-message.ts';
import { TYPING_INDICATOR_SIZE } from './msp/typing-indicator.ts';
import { type StreamKey, streamInstance } from './stream-key.ts';
import { DEFAULT_STREAM_OPTIONS, type StreamOptions } from './stream-options.ts';

/**
 * The kinds of stream a {@link Streams} registry holds, each keyed by its id. Voice, visual and
 * feeds join this list later, beside text.
 */
export const StreamKind = {
  Text: 'text',
  Presence: 'presence',
  Typing: 'typing',
} as const;
export type StreamKind = (typeof StreamKind)[keyof typeof StreamKind];

const PREFIX: Record<StreamKind, number> = {
  text: StateTypePrefix.Text,
  presence: StateTypePrefix.Presence,
  typing: StateTypePrefix.Typing,
};

/**
 * The atom holding stream `key` of `kind`: `prefix:16 ‖ instance:48`. Text ids are the
 * reference's `msp::text_stream_id(n)`. The reference keys presence and typing by user
 * (`presence_id(node)`); here one atom holds every member's entry (the ephemeral law keeps one
 * per author), keyed by the session-wide scope (instance 0) or a text stream.
 *
 * @example
 * streamAtomId(StreamKind.Text, 1); // 0x0001000000000001
 */
export function streamAtomId(kind: StreamKind, key: StreamKey): StateId {
  return stateIdFromParts(PREFIX[kind], streamInstance(key));
}

/** The kind of stream an atom id belongs to, if any. */
export function streamKindOf(id: StateId): StreamKind | undefined {
  switch (stateIdType(id)) {
    case StateTypePrefix.Text:
      return StreamKind.Text;
    case StateTypePrefix.Presence:
      return StreamKind.Presence;
    case StateTypePrefix.Typing:
      return StreamKind.Typing;
    default:
      return undefined;
  }
}

/**
 * The spec of a stream's atom, identical on every replica configured alike:
 * - text: Core (durable, signed records), an append log bounded by `maxEntries` and
 *   `maxLogBytes`, records of at most the largest message or reaction;
 * - presence: Perceptual, ephemeral entries that live `timeoutUs` after each update;
 * - typing: Perceptual, ephemeral entries that live `ttlUs`.
 * (Perceptual, not Cosmetic: divergence control would clear a Cosmetic atom when idle.)
 */
export function streamAtomSpec(
  kind: StreamKind,
  options: StreamOptions = DEFAULT_STREAM_OPTIONS,
): AtomSpec {
  switch (kind) {
    case StreamKind.Text: {
      const t = options.text;
      return {
        stateType: StateType.Core,
        law: DeltaLaw.appendLog(t.maxEntries, t.maxLogBytes),
        authority: t.authority,
        maxValueBytes: TEXT_MESSAGE_OVERHEAD + Math.max(t.maxContentBytes, t.maxReactionBytes),
      };
    }
    case StreamKind.Presence: {
      const p = options.presence;
      return {
        stateType: StateType.Perceptual,
        law: DeltaLaw.ephemeral(p.timeoutUs),
        authority: p.authority,
        maxValueBytes: PRESENCE_MIN_SIZE + 2 + p.maxStatusBytes,
      };
    }
    case StreamKind.Typing: {
      const t = options.typing;
      return {
        stateType: StateType.Perceptual,
        law: DeltaLaw.ephemeral(t.ttlUs),
        authority: t.authority,
        maxValueBytes: TYPING_INDICATOR_SIZE,
      };
    }
  }
}

/**
 * Declares every stream atom on demand, for the state field's `resolve`: with it a replica
 * accepts events of streams it has not opened yet (ephemeral presence and typing events for an
 * atom the field does not know are refused as `UnknownAtom`). Chain it with other resolvers.
 *
 * @example
 * const field = new StateField({ ...config, resolve: streamAtomResolver(options) });
 */
export function streamAtomResolver(options: StreamOptions = DEFAULT_STREAM_OPTIONS): AtomResolver {
  const specs = new Map<StreamKind, AtomSpec>();
  return (id) => {
    const kind = streamKindOf(id);
    if (kind === undefined) return undefined;
    let spec = specs.get(kind);
    if (spec === undefined) specs.set(kind, (spec = streamAtomSpec(kind, options)));
    return spec;
  };
}

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
import { StreamOptionsError } from './stream-errors.ts';
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
 * The default {@link ResolveOptions.textBudgetBytes}: 64 MiB, four text logs at the default
 * `maxLogBytes`.
 */
export const DEFAULT_TEXT_BUDGET_BYTES = 64 * 1024 * 1024;

/** Which text streams {@link streamAtomResolver} declares before they are opened. */
export interface ResolveOptions {
  /** Text streams whose atoms are declared on demand (e.g. the session's channel list). */
  readonly text?: readonly StreamKey[];
  /**
   * Bytes of text logs (`maxLogBytes` each) the resolver may declare for text streams not in
   * {@link text}, the first come: at most ⌊textBudgetBytes / maxLogBytes⌋ of them. Default
   * {@link DEFAULT_TEXT_BUDGET_BYTES}; 0 declares only the listed ones.
   */
  readonly textBudgetBytes?: number;
}

/**
 * Declares stream atoms on demand, for the state field's `resolve`: with it a replica accepts
 * events of streams it has not opened yet. Chain it with other resolvers.
 *
 * - Presence and typing atoms, always: an ephemeral event for an atom the field does not know
 *   is refused (`UnknownAtom`), and they cost little (one entry per member, expiring).
 * - Text atoms when listed in `resolve.text`, and others, the first come, while their logs
 *   fit `resolve.textBudgetBytes` (64 MiB by default). Each is a log of up to `maxLogBytes`
 *   (16 MiB by default): declaring every text stream a member writes to would let one member
 *   make this replica hold thousands of them (the field's `maxResolvedAtomsPerAuthor`, 4 096
 *   × 16 MiB). Opening a stream declares its atom whatever the budget.
 *
 * Mind what waiting means for a text stream neither opened, listed nor within the budget:
 * state applies each author's durable events in seq order, so that author's event waits in
 * the field's quarantine, and every later durable event of the same author (in any atom, its
 * membership entries too) waits behind it, until the stream is opened (then they all apply);
 * after `quarantineAgeUs` they are evicted and come back by repair. That is why the budget is
 * not 0 by default (a joiner must apply its inviter's history before its own admission). So
 * every replica should open or list the text streams of its session, e.g. from a channel
 * list the application keeps, and keep the budget for the rest.
 *
 * @example
 * const field = new StateField({
 *   ...config,
 *   resolve: streamAtomResolver(options, { text: ['general', 'random'] }),
 * });
 */
export function streamAtomResolver(
  options: StreamOptions = DEFAULT_STREAM_OPTIONS,
  resolve: ResolveOptions = {},
): AtomResolver {
  const budget = resolve.textBudgetBytes ?? DEFAULT_TEXT_BUDGET_BYTES;
  if (!(budget >= 0)) throw new StreamOptionsError(`textBudgetBytes ${budget} is not ≥ 0`);
  const listed = new Set((resolve.text ?? []).map((k) => streamAtomId(StreamKind.Text, k)));
  const budgeted = new Set<StateId>();
  const maxBudgeted = Math.floor(budget / options.text.maxLogBytes);
  const specs = new Map<StreamKind, AtomSpec>();
  return (id) => {
    const kind = streamKindOf(id);
    if (kind === undefined) return undefined;
    if (kind === StreamKind.Text && !listed.has(id) && !budgeted.has(id)) {
      if (budgeted.size >= maxBudgeted) return undefined;
      budgeted.add(id);
    }
    let spec = specs.get(kind);
    if (spec === undefined) specs.set(kind, (spec = streamAtomSpec(kind, options)));
    return spec;
  };
}

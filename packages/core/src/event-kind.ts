import { StateType } from './state-type.ts';

/**
 * The two kinds of event (ARCHITECTURE.md "Event identity").
 * - `durable`: targets a Core atom; signed, numbered by (author, seq), stored, repaired,
 *   forwarded, may be a dependency; placed causally whatever its age.
 * - `ephemeral`: everything else (presence, typing, media frames); unsigned, numbered per
 *   (author, atom), accepted only from its author's own channel, subject to the reality window.
 */
export const EventKind = { Durable: 0, Ephemeral: 1 } as const;
export type EventKind = (typeof EventKind)[keyof typeof EventKind];

/** The kind of event a target atom of this StateType takes. */
export function eventKindForStateType(type: StateType): EventKind {
  return type === StateType.Core ? EventKind.Durable : EventKind.Ephemeral;
}

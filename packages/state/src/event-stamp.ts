import type { EventKind, NodeId } from '@elara/core';
import { compareAscending } from './compare-ascending.ts';

/**
 * Where an event sits in every law's order: its effective τs, then its author, then its number
 * (the durable seq or the ephemeral counter). The effective τs of a durable event is the
 * largest τs of its author's events up to it, so each author's events are ordered by seq even
 * if its clock went backwards; it is the same on every replica.
 */
export interface EventStamp {
  readonly author: NodeId;
  /** Durable seq or ephemeral counter. */
  readonly number: number;
  /** Effective τs, Unix-epoch µs. */
  readonly time: number;
  readonly kind: EventKind;
  /** Correction weight of a late ephemeral event (1 otherwise): projections may blend by it. */
  readonly weight: number;
}

/**
 * The total order of stamps (time, author, number): negative when `a` comes first. It is the
 * deterministic tie-break of every law.
 *
 * @example
 * compareStamps(a, b) > 0; // a wins a last-writer-wins contest against b
 */
export function compareStamps(
  a: Pick<EventStamp, 'time' | 'author' | 'number'>,
  b: Pick<EventStamp, 'time' | 'author' | 'number'>,
): number {
  if (a.time !== b.time) return a.time < b.time ? -1 : 1;
  return compareAscending(a.author, b.author) || a.number - b.number;
}

import { OutOfRangeError } from './elara-error.ts';
import { formatNodeId, type NodeId } from './node-id.ts';
import { isU64 } from './u64.ts';

/** The largest author seq a v1 envelope carries (u32 on the wire). */
export const MAX_EVENT_SEQ = 0xffff_ffff;

/**
 * Identity of a durable event: its author and the author's seq in the session, contiguous
 * from 1 (ARCHITECTURE.md "Event identity"), so receivers detect gaps. Seq is a `number`
 * (u32 on the wire): four billion events per author and session.
 */
export interface EventId {
  readonly author: NodeId;
  readonly seq: number;
}

/** Builds an {@link EventId}, checking the author is a u64 and the seq is in 1..2^32-1. */
export function eventId(author: NodeId, seq: number): EventId {
  // NodeId is a branded type, but a cast or an unchecked bigint can still reach here.
  if (!isU64(author)) throw new OutOfRangeError(`event author ${String(author)} is not a u64`);
  if (!Number.isInteger(seq) || seq < 1 || seq > MAX_EVENT_SEQ) {
    throw new OutOfRangeError(`event seq ${seq} is outside 1..${MAX_EVENT_SEQ}`);
  }
  return { author, seq };
}

/** Total order on event ids: by author, then seq. Used for deterministic tie-breaks. */
export function compareEventIds(a: EventId, b: EventId): number {
  if (a.author !== b.author) return a.author < b.author ? -1 : 1;
  return a.seq - b.seq;
}

/** True when both name the same event. */
export function eventIdEquals(a: EventId, b: EventId): boolean {
  return a.author === b.author && a.seq === b.seq;
}

/** A string key for maps and sets, e.g. `"61a254a1df31fe21:7"`. */
export function eventIdKey(id: EventId): string {
  return `${id.author.toString(16)}:${id.seq}`;
}

/** A display form, e.g. `61a254a1#7`. */
export function formatEventId(id: EventId): string {
  return `${formatNodeId(id.author)}#${id.seq}`;
}

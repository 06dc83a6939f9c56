import {
  MAX_EVENT_SEQ,
  MAX_REPAIR_RANGE_SPAN,
  MAX_REPAIR_RANGES,
  type NodeId,
  type RepairRequestMessage,
  type SeqRange,
  U64_MAX,
  versionVector,
} from '@elara/core';
import { MalformedDigestError } from './replication-errors.ts';

/**
 * What a replica holds of the session's durable events, compactly: for each author the
 * highest seq held, and the seqs *not* held below it as ranges. Every seq of an author up to
 * its head is held except those in a gap; nothing above the head is. An author absent from
 * `heads` is not held at all.
 *
 * It is exactly a v1 repair request's content (core's `RepairRequestMessage`: the version
 * vector is `heads`, the ranges are `gaps`), so it travels as one ({@link digestToRepairRequest}).
 * Bounded like one: at most {@link MAX_REPAIR_RANGES} gaps, each naming at most
 * {@link MAX_REPAIR_RANGE_SPAN} events; a replica with more holes lowers an author's head
 * instead (it then claims less than it holds, never more: the peer resends a few events).
 */
export interface Digest {
  readonly heads: ReadonlyMap<NodeId, number>;
  readonly gaps: readonly SeqRange[];
}

/** How far a digest received from a peer may go (a receiver may lower them). */
export interface DigestLimits {
  /** Authors in `heads`; default 65 535 (the wire's u16 count). */
  readonly maxAuthors: number;
  /** Gaps; default {@link MAX_REPAIR_RANGES}. */
  readonly maxGaps: number;
  /** Events one gap names; default {@link MAX_REPAIR_RANGE_SPAN}. */
  readonly maxGapSpan: number;
}

/** The defaults: the wire's bounds. */
export const DEFAULT_DIGEST_LIMITS: DigestLimits = {
  maxAuthors: 0xffff,
  maxGaps: MAX_REPAIR_RANGES,
  maxGapSpan: MAX_REPAIR_RANGE_SPAN,
};

function isAuthor(value: unknown): value is NodeId {
  return typeof value === 'bigint' && value >= 0n && value <= U64_MAX;
}

function isSeq(value: unknown, min: number): value is number {
  return Number.isInteger(value) && (value as number) >= min && (value as number) <= MAX_EVENT_SEQ;
}

/**
 * Checks a digest that came from elsewhere and returns it typed: anything but the documented
 * shape, an author that is not a u64, a head outside 0..2^32 − 1, a gap with `from < 1`,
 * `from > to`, more than `maxGapSpan` events, or more authors or gaps than the limits allow is
 * a {@link MalformedDigestError}. A gap above its author's head is allowed (it asks for what
 * the head already asks for).
 *
 * @example
 * store.missing(checkDigest(fromPeer)); // throws MalformedDigestError on bad input
 */
export function checkDigest(value: unknown, limits: Partial<DigestLimits> = {}): Digest {
  const { maxAuthors, maxGaps, maxGapSpan } = { ...DEFAULT_DIGEST_LIMITS, ...limits };
  if (typeof value !== 'object' || value === null) {
    throw new MalformedDigestError('a digest is an object { heads, gaps }');
  }
  const { heads, gaps } = value as { heads?: unknown; gaps?: unknown };
  if (!(heads instanceof Map)) throw new MalformedDigestError('digest heads must be a Map');
  if (!Array.isArray(gaps)) throw new MalformedDigestError('digest gaps must be an array');
  if (heads.size > maxAuthors) {
    throw new MalformedDigestError(`${heads.size} authors exceed ${maxAuthors}`);
  }
  if (gaps.length > maxGaps)
    throw new MalformedDigestError(`${gaps.length} gaps exceed ${maxGaps}`);
  for (const [author, head] of heads as Map<unknown, unknown>) {
    if (!isAuthor(author)) throw new MalformedDigestError(`author ${String(author)} is not a u64`);
    if (!isSeq(head, 0)) throw new MalformedDigestError(`head ${String(head)} is not a seq`);
  }
  for (const g of gaps as unknown[]) {
    if (typeof g !== 'object' || g === null) throw new MalformedDigestError('a gap is an object');
    const { author, from, to } = g as { author?: unknown; from?: unknown; to?: unknown };
    if (!isAuthor(author)) throw new MalformedDigestError(`gap author ${String(author)}`);
    if (!isSeq(from, 1) || !isSeq(to, 1) || from > to) {
      throw new MalformedDigestError(`gap ${String(from)}..${String(to)} is not 1 ≤ from ≤ to`);
    }
    if (to - from + 1 > maxGapSpan) {
      throw new MalformedDigestError(`gap ${from}..${to} names more than ${maxGapSpan} events`);
    }
  }
  return value as Digest;
}

/**
 * The highest seq of `author` such that the digest holds every seq up to it (its head, or
 * the seq before its first gap): what the digest's sender acknowledges of that author.
 */
export function digestContiguous(digest: Digest, author: NodeId): number {
  let upTo = digest.heads.get(author) ?? 0;
  for (const g of digest.gaps) if (g.author === author && g.from - 1 < upTo) upTo = g.from - 1;
  return upTo;
}

/** {@link digestContiguous} for every author of the digest (authors at 0 left out). */
export function digestAcknowledgements(digest: Digest): Map<NodeId, number> {
  const out = new Map<NodeId, number>();
  for (const [author, head] of digest.heads) if (head > 0) out.set(author, head);
  for (const g of digest.gaps) {
    const upTo = out.get(g.author);
    if (upTo !== undefined && g.from - 1 < upTo) {
      if (g.from > 1) out.set(g.author, g.from - 1);
      else out.delete(g.author);
    }
  }
  return out;
}

/** The v1 repair request that carries a digest (core encodes it). */
export function digestToRepairRequest(requestId: number, digest: Digest): RepairRequestMessage {
  return {
    type: 'repair-request',
    requestId,
    ranges: digest.gaps,
    digest: versionVector([...digest.heads].map(([a, s]) => [a, BigInt(s)] as const)),
  };
}

/**
 * The digest a decoded repair request carries. A version-vector counter beyond 2^32 − 1 (no
 * seq is) is a {@link MalformedDigestError}.
 */
export function digestFromRepairRequest(message: RepairRequestMessage): Digest {
  const heads = new Map<NodeId, number>();
  for (const [author, counter] of message.digest) {
    if (counter > BigInt(MAX_EVENT_SEQ)) {
      throw new MalformedDigestError(`digest counter ${counter} is beyond any seq`);
    }
    heads.set(author, Number(counter));
  }
  return { heads, gaps: message.ranges };
}

import type { NodeId } from '@elara/core';

/** What this replica knows of one author's events that it lacks. */
interface Wanted {
  /** The highest seq known to exist. */
  known: number;
  /** A peer known to hold the events (it sent or announced them); undefined: none known. */
  source: NodeId | undefined;
  /** When the next request may go (the first waits out reordering). */
  nextAt: number;
  /** Requests made so far for this gap (who is asked rotates with it). */
  tries: number;
  /** What was processed when the gap was last asked for (progress resets `tries`). */
  processed: number;
}

/** Bounds of a {@link GapTracker}. */
export interface GapTrackerLimits {
  /** Authors tracked at once. */
  readonly maxAuthors: number;
  /** Most seqs a gap reaches above what is processed (a claimed head beyond is cut to it). */
  readonly maxAhead: number;
  /** Requests for a gap without progress before it is dropped (a later sighting brings it back). */
  readonly maxTries: number;
}

/**
 * Durable events this replica knows exist but does not hold, by author, and when to ask for
 * them. It learns of them from an event that arrived before its author's earlier ones or before
 * its dependencies (quarantined), from a heartbeat's latest seq, from the heads of a peer's
 * digest, and from a quarantine eviction. A gap is asked for once it has waited `holdUs` (an
 * event merely reordered arrives meanwhile), then again every `retryUs` while it lasts, from
 * the author first and then from the other peers in turn.
 *
 * Bounded: at most `maxAuthors` authors are tracked at once (more are learned again later,
 * from heartbeats and digests); a gap reaches at most `maxAhead` seqs above what is processed,
 * and is dropped after `maxTries` requests that brought nothing (so a head a peer made up stops
 * costing requests; a real gap is learned again from the next heartbeat or digest).
 */
export class GapTracker {
  private readonly wanted = new Map<NodeId, Wanted>();

  constructor(private readonly limits: GapTrackerLimits) {}

  /** Authors with a gap now. */
  get size(): number {
    return this.wanted.size;
  }

  /**
   * Events of `author` up to `seq` exist (`source` holds them, if known); this replica has
   * processed `processed` of them. A first sighting waits `holdUs` before it is asked for.
   */
  learn(
    author: NodeId,
    seq: number,
    processed: number,
    source: NodeId | undefined,
    now: number,
    holdUs: number,
  ): void {
    if (seq <= processed) return;
    seq = Math.min(seq, processed + this.limits.maxAhead);
    const w = this.wanted.get(author);
    if (w === undefined) {
      if (this.wanted.size >= this.limits.maxAuthors) return;
      this.wanted.set(author, { known: seq, source, nextAt: now + holdUs, tries: 0, processed });
      return;
    }
    if (seq > w.known) w.known = seq;
    if (source !== undefined) w.source = source;
  }

  /**
   * Walks the gaps due at `now`: `ask(author, from, to, source, tries)` is called for each
   * author still lacking events (`processedOf(author) + 1 .. known`) and returns how long to wait
   * before asking again (undefined: nobody to ask now). Closed gaps are dropped, and so are gaps
   * asked for `maxTries` times without progress.
   */
  due(
    now: number,
    processedOf: (author: NodeId) => number,
    ask: (
      author: NodeId,
      from: number,
      to: number,
      source: NodeId | undefined,
      tries: number,
    ) => number | undefined,
  ): void {
    for (const [author, w] of this.wanted) {
      const processed = processedOf(author);
      if (processed >= w.known) {
        this.wanted.delete(author);
        continue;
      }
      if (now < w.nextAt) continue;
      if (processed > w.processed) {
        w.processed = processed;
        w.tries = 0;
      } else if (w.tries >= this.limits.maxTries) {
        this.wanted.delete(author);
        continue;
      }
      const retryUs = ask(author, processed + 1, w.known, w.source, w.tries);
      if (retryUs !== undefined) {
        w.tries++;
        w.nextAt = now + retryUs;
      }
    }
  }

  /** Forgets `author` (it left the session). */
  forget(author: NodeId): void {
    this.wanted.delete(author);
  }

  /** Forgets every author `keep` refuses (those no longer in the session). */
  retain(keep: (author: NodeId) => boolean): void {
    for (const author of this.wanted.keys()) if (!keep(author)) this.wanted.delete(author);
  }
}

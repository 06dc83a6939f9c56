import { OutOfRangeError } from '../elara-error.ts';
import type { NodeId } from '../node-id.ts';
import type { Fragment } from './fragment.ts';
import { MAX_FRAGMENTS } from './fragment.ts';

/** The bounds of a {@link Reassembler}. Every one is enforced at every step. */
export interface ReassemblerConfig {
  /** A message announcing more fragments than this is rejected. Default 64. */
  readonly maxFragmentsPerMessage: number;
  /** A message whose chunks add up to more bytes than this is dropped. Default 64 KiB. */
  readonly maxMessageBytes: number;
  /** Messages being reassembled at once, all sources together. Default 64. */
  readonly maxOpenMessages: number;
  /** Messages being reassembled at once from one source. Default 8. */
  readonly maxOpenPerSource: number;
  /** Chunk bytes held at once, all messages together. Default 1 MiB. */
  readonly maxBufferedBytes: number;
  /** A message not complete this many µs after its first fragment is dropped. Default 2 s. */
  readonly timeoutUs: number;
}

/** The defaults of {@link ReassemblerConfig}. */
export const DEFAULT_REASSEMBLER_CONFIG: ReassemblerConfig = Object.freeze({
  maxFragmentsPerMessage: 64,
  maxMessageBytes: 64 * 1024,
  maxOpenMessages: 64,
  maxOpenPerSource: 8,
  maxBufferedBytes: 1024 * 1024,
  timeoutUs: 2_000_000,
});

/** Why a fragment was refused (the message it belonged to, if any, is dropped). */
export type ReassemblyRejection =
  /** `total` above `maxFragmentsPerMessage`. */
  | 'too-many-fragments'
  /** The message would exceed `maxMessageBytes`. */
  | 'too-large'
  /** `total` differs from earlier fragments of the message, or `index ≥ total`. */
  | 'inconsistent'
  /** `maxBufferedBytes` cannot hold it even after dropping every other message. */
  | 'over-budget';

/** What {@link Reassembler.add} did with a fragment. */
export type ReassemblyResult =
  /** The last missing piece: `payload` is the whole message, a fresh copy the caller owns. */
  | { readonly status: 'complete'; readonly payload: Uint8Array }
  | { readonly status: 'pending' }
  /** This index was already held; the fragment is ignored. */
  | { readonly status: 'duplicate' }
  | { readonly status: 'rejected'; readonly reason: ReassemblyRejection };

/** Running counts, for the runtime's observability. */
export interface ReassemblerCounters {
  readonly completed: number;
  readonly duplicates: number;
  readonly rejected: number;
  /** Messages dropped by the timeout. */
  readonly expired: number;
  /** Messages dropped to make room for newer ones. */
  readonly evicted: number;
}

interface Pending {
  readonly source: NodeId;
  readonly total: number;
  readonly deadline: number;
  readonly chunks: (Uint8Array | undefined)[];
  received: number;
  bytes: number;
}

const PENDING: ReassemblyResult = Object.freeze({ status: 'pending' });
const DUPLICATE: ReassemblyResult = Object.freeze({ status: 'duplicate' });

function rejected(reason: ReassemblyRejection): ReassemblyResult {
  return { status: 'rejected', reason };
}

function checkLimit(name: keyof ReassemblerConfig, value: number, max: number): void {
  if (!Number.isSafeInteger(value) || value < 1 || value > max) {
    throw new OutOfRangeError(`reassembler ${name} ${value} is outside 1..${max}`);
  }
}

/**
 * Rebuilds fragmented payloads ({@link fragmentPayload}) after each fragment's frame has been
 * opened, within fixed bounds: fragments per message, bytes per message, open messages (in all
 * and per source), buffered bytes, and a timeout. Time comes from the caller as `now` (µs from
 * any monotonic clock, e.g. `scheduler.now()`): the reassembler never reads a clock or sets a
 * timer. When full, the oldest message is evicted (the source's own oldest first when that
 * source is at its limit). Chunks are copied in, so fragments may be views of datagrams.
 *
 * @example
 * const reassembler = new Reassembler({ timeoutUs: 1_000_000 });
 * const r = reassembler.add(peer, decodeFragment(opened), scheduler.now());
 * if (r.status === 'complete') handlePayload(r.payload);
 */
export class Reassembler {
  readonly config: ReassemblerConfig;
  private readonly stats: { -readonly [K in keyof ReassemblerCounters]: number } = {
    completed: 0,
    duplicates: 0,
    rejected: 0,
    expired: 0,
    evicted: 0,
  };
  /** Insertion order is first-fragment order: the first entry is the oldest. */
  private readonly open = new Map<string, Pending>();
  private readonly perSource = new Map<NodeId, number>();
  private buffered = 0;

  constructor(config: Partial<ReassemblerConfig> = {}) {
    const c = { ...DEFAULT_REASSEMBLER_CONFIG, ...config };
    checkLimit('maxFragmentsPerMessage', c.maxFragmentsPerMessage, MAX_FRAGMENTS);
    checkLimit('maxMessageBytes', c.maxMessageBytes, Number.MAX_SAFE_INTEGER);
    checkLimit('maxOpenMessages', c.maxOpenMessages, Number.MAX_SAFE_INTEGER);
    checkLimit('maxOpenPerSource', c.maxOpenPerSource, Number.MAX_SAFE_INTEGER);
    checkLimit('maxBufferedBytes', c.maxBufferedBytes, Number.MAX_SAFE_INTEGER);
    checkLimit('timeoutUs', c.timeoutUs, Number.MAX_SAFE_INTEGER);
    this.config = Object.freeze(c);
  }

  /** A snapshot of the running counts since construction. */
  get counters(): ReassemblerCounters {
    return { ...this.stats };
  }

  /** Messages being reassembled. */
  get openMessages(): number {
    return this.open.size;
  }

  /** Chunk bytes held. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /** Messages being reassembled from `source`. */
  openFrom(source: NodeId): number {
    return this.perSource.get(source) ?? 0;
  }

  /**
   * Takes one fragment from `source` at time `now` (µs). Expired messages are dropped first.
   * Returns `complete` with the whole payload when this was the last missing piece.
   */
  add(source: NodeId, fragment: Fragment, now: number): ReassemblyResult {
    if (!Number.isFinite(now)) throw new OutOfRangeError(`reassembler time ${now} is not finite`);
    this.expire(now);
    const { messageId, index, total, chunk } = fragment;
    const c = this.config;
    if (total > c.maxFragmentsPerMessage) return this.reject('too-many-fragments');
    if (!Number.isInteger(total) || total < 1 || !Number.isInteger(index)) {
      return this.reject('inconsistent');
    }
    if (index < 0 || index >= total) return this.reject('inconsistent');
    if (total === 1) {
      if (chunk.length > c.maxMessageBytes) return this.reject('too-large');
      this.stats.completed++;
      return { status: 'complete', payload: chunk.slice() };
    }
    const key = `${source.toString(16)}:${messageId}`;
    let p = this.open.get(key);
    if (p !== undefined && p.total !== total) {
      this.remove(key, p);
      return this.reject('inconsistent');
    }
    if (p?.chunks[index] !== undefined) {
      this.stats.duplicates++;
      return DUPLICATE;
    }
    if ((p?.bytes ?? 0) + chunk.length > c.maxMessageBytes) {
      if (p !== undefined) this.remove(key, p);
      return this.reject('too-large');
    }
    if (p === undefined) {
      if (this.openFrom(source) >= c.maxOpenPerSource) this.evictOldest(source);
      if (this.open.size >= c.maxOpenMessages) this.evictOldest(undefined);
      p = {
        source,
        total,
        deadline: now + c.timeoutUs,
        chunks: new Array<Uint8Array | undefined>(total),
        received: 0,
        bytes: 0,
      };
      this.open.set(key, p);
      this.perSource.set(source, this.openFrom(source) + 1);
    }
    while (this.buffered + chunk.length > c.maxBufferedBytes) {
      if (!this.evictOldest(undefined, key)) {
        this.remove(key, p);
        return this.reject('over-budget');
      }
    }
    p.chunks[index] = chunk.slice();
    p.received++;
    p.bytes += chunk.length;
    this.buffered += chunk.length;
    if (p.received < total) return PENDING;
    const payload = new Uint8Array(p.bytes);
    let at = 0;
    for (const piece of p.chunks as Uint8Array[]) {
      payload.set(piece, at);
      at += piece.length;
    }
    this.remove(key, p);
    this.stats.completed++;
    return { status: 'complete', payload };
  }

  /**
   * Drops every message whose timeout has passed at `now`; returns how many. `add` calls it
   * too, so calling it from a tick only frees memory sooner.
   */
  expire(now: number): number {
    if (!Number.isFinite(now)) throw new OutOfRangeError(`reassembler time ${now} is not finite`);
    let dropped = 0;
    for (const [key, p] of this.open) {
      // Deadlines grow with insertion order as long as `now` does not go back.
      if (p.deadline > now) break;
      this.remove(key, p);
      dropped++;
    }
    this.stats.expired += dropped;
    return dropped;
  }

  /** Drops every message from `source` (e.g. when its channel closes); returns how many. */
  dropSource(source: NodeId): number {
    let dropped = 0;
    for (const [key, p] of this.open) {
      if (p.source !== source) continue;
      this.remove(key, p);
      dropped++;
    }
    return dropped;
  }

  /** Drops everything. */
  clear(): void {
    this.open.clear();
    this.perSource.clear();
    this.buffered = 0;
  }

  private reject(reason: ReassemblyRejection): ReassemblyResult {
    this.stats.rejected++;
    return rejected(reason);
  }

  /** Evicts the oldest message (of `source`, if given), never `keep`; false if none. */
  private evictOldest(source: NodeId | undefined, keep?: string): boolean {
    for (const [key, p] of this.open) {
      if (key === keep || (source !== undefined && p.source !== source)) continue;
      this.remove(key, p);
      this.stats.evicted++;
      return true;
    }
    return false;
  }

  private remove(key: string, p: Pending): void {
    this.open.delete(key);
    this.buffered -= p.bytes;
    const left = (this.perSource.get(p.source) ?? 1) - 1;
    if (left === 0) this.perSource.delete(p.source);
    else this.perSource.set(p.source, left);
  }
}

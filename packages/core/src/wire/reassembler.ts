import { OutOfRangeError } from '../elara-error.ts';
import type { NodeId } from '../node-id.ts';
import type { Fragment } from './fragment.ts';
import { MAX_FRAGMENTS } from './fragment.ts';
import { PayloadKind } from './payload-kind.ts';

/**
 * Bytes charged against the buffer budget for each fragment held, beyond its chunk: V8 keeps
 * about 220–240 bytes per copied chunk and its map entry (measured on Node 20), so an empty
 * fragment is not free.
 */
export const REASSEMBLER_FRAGMENT_OVERHEAD = 256;

/**
 * Bytes charged against the buffer budget for each open message: its record, chunk map, key
 * and per-source entry take about 560 bytes (measured on Node 20).
 */
export const REASSEMBLER_MESSAGE_OVERHEAD = 640;

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
  /**
   * Bytes held at once, all messages together: chunk bytes plus
   * {@link REASSEMBLER_FRAGMENT_OVERHEAD} per fragment and {@link REASSEMBLER_MESSAGE_OVERHEAD}
   * per open message, so the budget bounds the memory really used. Default 1 MiB.
   */
  readonly maxBufferedBytes: number;
  /**
   * The same budget for one source, so a single peer cannot fill the whole buffer and starve
   * the others. Default 256 KiB (a quarter of the default total). Optional in this type only so
   * that configurations written before it existed still compile.
   */
  readonly maxBufferedBytesPerSource?: number;
  /** A message not complete this many µs after its first fragment is dropped. Default 2 s. */
  readonly timeoutUs: number;
}

/** The defaults of {@link ReassemblerConfig}. */
export const DEFAULT_REASSEMBLER_CONFIG: Required<ReassemblerConfig> = Object.freeze({
  maxFragmentsPerMessage: 64,
  maxMessageBytes: 64 * 1024,
  maxOpenMessages: 64,
  maxOpenPerSource: 8,
  maxBufferedBytes: 1024 * 1024,
  maxBufferedBytesPerSource: 256 * 1024,
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
  /**
   * The buffer budget (`maxBufferedBytes`, or `maxBufferedBytesPerSource` for its source)
   * cannot hold it even after dropping every other message it may displace.
   */
  | 'over-budget'
  /** The reassembled payload would itself be a Fragment payload: fragments never nest. */
  | 'nested-fragment';

/** What {@link Reassembler.add} did with a fragment. */
export type ReassemblyResult =
  /** The last missing piece: `payload` is the whole message, a fresh copy the caller owns. */
  | { readonly status: 'complete'; readonly payload: Uint8Array }
  | { readonly status: 'pending' }
  /**
   * This index was already held; the fragment is ignored (the first copy is kept).
   * `conflicting` when its bytes differ from the held copy's (a faulty or hostile sender).
   */
  | { readonly status: 'duplicate'; readonly conflicting: boolean }
  | { readonly status: 'rejected'; readonly reason: ReassemblyRejection };

/** Running counts, for the runtime's observability. */
export interface ReassemblerCounters {
  readonly completed: number;
  /** Fragments whose index was already held (conflicting ones included). */
  readonly duplicates: number;
  /** Of the duplicates, those whose bytes differ from the held copy. */
  readonly conflicting: number;
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
  /**
   * Sparse: only received indexes have an entry, so memory follows what arrived, never what
   * `total` announces (a dense array of 65535 slots would pin 512 KiB for one empty fragment).
   */
  readonly chunks: Map<number, Uint8Array>;
  /** Chunk bytes. */
  bytes: number;
  /** What this message is charged against the budgets (chunks and overheads). */
  charged: number;
}

interface SourceUse {
  open: number;
  charged: number;
}

const PENDING: ReassemblyResult = Object.freeze({ status: 'pending' });
const DUPLICATE: ReassemblyResult = Object.freeze({ status: 'duplicate', conflicting: false });
const CONFLICTING: ReassemblyResult = Object.freeze({ status: 'duplicate', conflicting: true });
// Every empty chunk can share one array: nothing is ever written into a held chunk.
const EMPTY = new Uint8Array(0);

function rejected(reason: ReassemblyRejection): ReassemblyResult {
  return { status: 'rejected', reason };
}

function checkLimit(name: keyof ReassemblerConfig, value: number, max: number): void {
  if (!Number.isSafeInteger(value) || value < 1 || value > max) {
    throw new OutOfRangeError(`reassembler ${name} ${value} is outside 1..${max}`);
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Rebuilds fragmented payloads ({@link fragmentPayload}) after each fragment's frame has been
 * opened, within fixed bounds: fragments per message, bytes per message, open messages (in all
 * and per source), buffered bytes (in all and per source, per-fragment and per-message
 * overheads included), and a timeout. Time comes from the caller as `now` (µs from a monotonic
 * clock, e.g. `scheduler.now()`): the reassembler never reads a clock or sets a timer. Should
 * `now` go backwards anyway, the step back counts as no time passing and later advances count
 * from the new value, so timeouts keep working (they are late by nothing, early by nothing).
 * When full, the oldest message is evicted (the source's own oldest first when that source is
 * at its limit). Chunks are copied in, so fragments may be views of datagrams. A payload that
 * would itself be a Fragment is refused: fragments never nest.
 *
 * @example
 * const reassembler = new Reassembler({ timeoutUs: 1_000_000 });
 * const r = reassembler.add(peer, decodeFragment(opened), scheduler.now());
 * if (r.status === 'complete') handlePayload(r.payload);
 */
export class Reassembler {
  /** The configuration in force, defaults filled in. */
  readonly config: Required<ReassemblerConfig>;
  private readonly stats: { -readonly [K in keyof ReassemblerCounters]: number } = {
    completed: 0,
    duplicates: 0,
    conflicting: 0,
    rejected: 0,
    expired: 0,
    evicted: 0,
  };
  /** Insertion order is first-fragment order: the first entry is the oldest. */
  private readonly open = new Map<string, Pending>();
  private readonly perSource = new Map<NodeId, SourceUse>();
  private buffered = 0;
  private held = 0;
  /** The caller's latest `now`, and how far its clock has stepped back in all. */
  private lastNow = Number.NEGATIVE_INFINITY;
  private stepBack = 0;

  constructor(config: Partial<ReassemblerConfig> = {}) {
    const c: Required<ReassemblerConfig> = { ...DEFAULT_REASSEMBLER_CONFIG, ...config };
    checkLimit('maxFragmentsPerMessage', c.maxFragmentsPerMessage, MAX_FRAGMENTS);
    checkLimit('maxMessageBytes', c.maxMessageBytes, Number.MAX_SAFE_INTEGER);
    checkLimit('maxOpenMessages', c.maxOpenMessages, Number.MAX_SAFE_INTEGER);
    checkLimit('maxOpenPerSource', c.maxOpenPerSource, Number.MAX_SAFE_INTEGER);
    checkLimit('maxBufferedBytes', c.maxBufferedBytes, Number.MAX_SAFE_INTEGER);
    checkLimit('maxBufferedBytesPerSource', c.maxBufferedBytesPerSource, Number.MAX_SAFE_INTEGER);
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

  /**
   * Bytes charged against `maxBufferedBytes`: chunk bytes plus
   * {@link REASSEMBLER_FRAGMENT_OVERHEAD} per held fragment and
   * {@link REASSEMBLER_MESSAGE_OVERHEAD} per open message.
   */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /** Fragments held, all messages together. */
  get heldFragments(): number {
    return this.held;
  }

  /** Messages being reassembled from `source`. */
  openFrom(source: NodeId): number {
    return this.perSource.get(source)?.open ?? 0;
  }

  /** Bytes charged for `source` against `maxBufferedBytesPerSource` (as {@link bufferedBytes}). */
  bufferedFrom(source: NodeId): number {
    return this.perSource.get(source)?.charged ?? 0;
  }

  /**
   * Takes one fragment from `source` at time `now` (µs). Expired messages are dropped first.
   * Returns `complete` with the whole payload when this was the last missing piece.
   */
  add(source: NodeId, fragment: Fragment, now: number): ReassemblyResult {
    const t = this.dropExpired(now);
    const { messageId, index, total, chunk } = fragment;
    const c = this.config;
    if (total > c.maxFragmentsPerMessage) return this.reject('too-many-fragments');
    if (!Number.isInteger(total) || total < 1 || !Number.isInteger(index)) {
      return this.reject('inconsistent');
    }
    if (index < 0 || index >= total) return this.reject('inconsistent');
    // Index 0 carries the payload's kind byte, so a nested fragment shows on arrival.
    const nested = index === 0 && chunk.length > 0 && chunk[0] === PayloadKind.Fragment;
    if (total === 1) {
      if (chunk.length > c.maxMessageBytes) return this.reject('too-large');
      if (nested) return this.reject('nested-fragment');
      this.stats.completed++;
      return { status: 'complete', payload: chunk.slice() };
    }
    const key = `${source.toString(16)}:${messageId}`;
    let p = this.open.get(key);
    if (p !== undefined && p.total !== total) {
      this.remove(key, p);
      return this.reject('inconsistent');
    }
    const held = p?.chunks.get(index);
    if (held !== undefined) {
      this.stats.duplicates++;
      if (sameBytes(held, chunk)) return DUPLICATE;
      this.stats.conflicting++;
      return CONFLICTING;
    }
    if (nested || (p?.bytes ?? 0) + chunk.length > c.maxMessageBytes) {
      if (p !== undefined) this.remove(key, p);
      return this.reject(nested ? 'nested-fragment' : 'too-large');
    }
    const cost =
      chunk.length +
      REASSEMBLER_FRAGMENT_OVERHEAD +
      (p === undefined ? REASSEMBLER_MESSAGE_OVERHEAD : 0);
    // What can never fit is refused before anything is evicted for it.
    const whole = (p?.charged ?? 0) + cost;
    if (whole > c.maxBufferedBytes || whole > c.maxBufferedBytesPerSource) {
      if (p !== undefined) this.remove(key, p);
      return this.reject('over-budget');
    }
    if (p === undefined) {
      if (this.openFrom(source) >= c.maxOpenPerSource) this.evictOldest(source);
      if (this.open.size >= c.maxOpenMessages) this.evictOldest(undefined);
      p = { source, total, deadline: t + c.timeoutUs, chunks: new Map(), bytes: 0, charged: 0 };
      this.open.set(key, p);
      this.use(source).open++;
    }
    this.makeRoom(source, key, cost);
    p.chunks.set(index, chunk.length === 0 ? EMPTY : chunk.slice());
    p.bytes += chunk.length;
    this.charge(p, cost);
    this.held++;
    if (p.chunks.size < total) return PENDING;
    const payload = new Uint8Array(p.bytes);
    let at = 0;
    for (let i = 0; i < total; i++) {
      const piece = p.chunks.get(i) as Uint8Array;
      payload.set(piece, at);
      at += piece.length;
    }
    this.remove(key, p);
    // Index 0 may have been empty, so the kind byte is only certain now.
    if (payload[0] === PayloadKind.Fragment) return this.reject('nested-fragment');
    this.stats.completed++;
    return { status: 'complete', payload };
  }

  /**
   * Drops every message whose timeout has passed at `now`; returns how many. `add` calls it
   * too, so calling it from a tick only frees memory sooner.
   */
  expire(now: number): number {
    const before = this.stats.expired;
    this.dropExpired(now);
    return this.stats.expired - before;
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
    this.held = 0;
  }

  /**
   * Turns the caller's `now` into the reassembler's own time, which never goes back (a step
   * back of the caller's clock counts as no time passing), and drops what has expired by then.
   * Deadlines therefore grow with insertion order, which lets the scan stop at the first
   * message still in time.
   */
  private dropExpired(now: number): number {
    if (!Number.isFinite(now)) throw new OutOfRangeError(`reassembler time ${now} is not finite`);
    if (now < this.lastNow) this.stepBack += this.lastNow - now;
    this.lastNow = now;
    const t = now + this.stepBack;
    for (const [key, p] of this.open) {
      if (p.deadline > t) break;
      this.remove(key, p);
      this.stats.expired++;
    }
    return t;
  }

  private reject(reason: ReassemblyRejection): ReassemblyResult {
    this.stats.rejected++;
    return rejected(reason);
  }

  private use(source: NodeId): SourceUse {
    let u = this.perSource.get(source);
    if (u === undefined) {
      u = { open: 0, charged: 0 };
      this.perSource.set(source, u);
    }
    return u;
  }

  private charge(p: Pending, cost: number): void {
    p.charged += cost;
    this.buffered += cost;
    this.use(p.source).charged += cost;
  }

  /**
   * Evicts other messages until `cost` more bytes fit both budgets: the source's own oldest
   * for its budget, then the oldest of all for the total. The caller has checked that message
   * `keep` with `cost` more fits each budget alone, so evicting the others always suffices.
   */
  private makeRoom(source: NodeId, keep: string, cost: number): void {
    const c = this.config;
    // Each loop also stops when nothing is left to evict, so it can never spin.
    while (this.bufferedFrom(source) + cost > c.maxBufferedBytesPerSource) {
      if (!this.evictOldest(source, keep)) break;
    }
    while (this.buffered + cost > c.maxBufferedBytes) {
      if (!this.evictOldest(undefined, keep)) break;
    }
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
    this.buffered -= p.charged;
    this.held -= p.chunks.size;
    const u = this.perSource.get(p.source);
    if (u === undefined) return;
    u.open--;
    u.charged -= p.charged;
    if (u.open === 0) this.perSource.delete(p.source);
  }
}

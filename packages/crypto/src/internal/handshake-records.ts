import { type Endpoint, type NodeId, type SessionId, endpointKey } from '@elara/core';
import { CapacityError } from '../crypto-errors.ts';
import type { InviteReference } from '../handshake/handshake-message.ts';
import type { SymmetricState } from './symmetric-state.ts';

/** What a responder keeps between its Response and the initiator's Finish. */
export interface PendingHandshake {
  readonly state: SymmetricState;
  readonly sessionId: SessionId;
  /** The NodeId the Init's header claimed; Finish must authenticate exactly this one. */
  readonly claimedInitiator: NodeId;
  /** The invite the Init named (copied), if any. */
  readonly invite: InviteReference | undefined;
}

/** How a remembered handshake ended. */
export type HandshakeOutcome = 'pending' | 'completed' | 'refused' | 'expired';

/** One handshake id the responder has admitted (after its source proved its address). */
export interface HandshakeRecord {
  readonly handshakeId: bigint;
  /** The exact source endpoint (a Finish must come from it). */
  readonly source: string;
  /** The quota key: the source's IPv4 address, or its IPv6 /64. */
  readonly quota: string;
  readonly createdAt: number;
  outcome: HandshakeOutcome;
  pending: PendingHandshake | undefined;
}

/** Bounds of a {@link HandshakeRecords} table. */
export interface RecordBounds {
  /** Pending handshakes at once, in total. */
  readonly maxPending: number;
  /** Pending handshakes at once per quota key (IPv4 address or IPv6 /64). */
  readonly maxPerSource: number;
  /** Ended handshake ids remembered against replays. */
  readonly maxRemembered: number;
  readonly pendingTimeoutUs: number;
  readonly memoryUs: number;
}

/**
 * The per-source quota key of an endpoint: the IPv4 address (/32), or the first four groups of
 * an IPv6 address (/64), since one host controls every port and usually a whole /64.
 */
export function quotaKey(e: Endpoint): string {
  if (e.family !== 'IPv6') return e.address;
  const address = e.address.toLowerCase().split('%')[0] ?? '';
  const [head = '', tail] = address.split('::');
  const front = head === '' ? [] : head.split(':');
  const back = tail === undefined || tail === '' ? [] : tail.split(':');
  // An embedded IPv4 tail counts as two groups.
  const backGroups = back.reduce((n, g) => n + (g.includes('.') ? 2 : 1), 0);
  const groups =
    tail === undefined
      ? front
      : [...front, ...Array<string>(Math.max(0, 8 - front.length - backGroups)).fill('0'), ...back];
  const prefix = groups
    .slice(0, 4)
    .map((g) => (g.includes('.') ? g : (parseInt(g, 16) || 0).toString(16)));
  while (prefix.length < 4) prefix.push('0');
  return `${prefix.join(':')}::/64`;
}

/**
 * The responder's only per-peer state, created only for sources that returned a valid cookie.
 *
 * Pending handshakes (keys held until the Finish or `pendingTimeoutUs`) are the only entries
 * that count against the per-source and total bounds; the per-source bound is keyed on the IP
 * (IPv4 /32, IPv6 /64), not on the port, so one host cannot fill the table from many ports.
 * When the table is full, the oldest pending handshake of the heaviest source is shed (it ends
 * as `expired`) if that source holds more than the newcomer's; only when every source holds
 * about as many is a new handshake refused (`CapacityError`).
 *
 * Ended handshake ids (completed, refused, expired) are remembered separately, without secrets,
 * until `memoryUs` after admission (while their cookies could still be valid), so a replay of
 * any of their messages is refused by name. That memory is bounded by `maxRemembered`; when
 * full, the oldest id is forgotten: a replay of its Init can then at worst allocate one pending
 * handshake under its source's quota, which nobody can finish.
 */
export class HandshakeRecords {
  private readonly pending = new Map<bigint, HandshakeRecord>();
  private readonly remembered = new Map<bigint, HandshakeRecord>();
  /** Pending handshake ids per quota key, oldest first. */
  private readonly perSource = new Map<string, Set<bigint>>();
  private latest = -Infinity;

  constructor(private readonly bounds: RecordBounds) {}

  /** Ids held (pending and remembered). */
  get size(): number {
    return this.pending.size + this.remembered.size;
  }

  /** Handshakes waiting for their Finish. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** Distinct quota keys with pending handshakes. */
  get sourceCount(): number {
    return this.perSource.size;
  }

  get(handshakeId: bigint): HandshakeRecord | undefined {
    return this.pending.get(handshakeId) ?? this.remembered.get(handshakeId);
  }

  /**
   * Makes room for one more pending handshake from `quota`, shedding the heaviest source's
   * oldest if the table is full; throws `CapacityError` if the source is at its own bound or
   * no source is heavier than it.
   */
  makeRoom(quota: string): void {
    const own = this.perSource.get(quota)?.size ?? 0;
    if (own >= this.bounds.maxPerSource) {
      throw new CapacityError(
        `handshake: ${this.bounds.maxPerSource} pending handshakes from ${quota}, refusing more`,
      );
    }
    if (this.pending.size < this.bounds.maxPending) return;
    let heaviest: Set<bigint> | undefined;
    for (const ids of this.perSource.values()) {
      if (heaviest === undefined || ids.size > heaviest.size) heaviest = ids;
    }
    if (heaviest === undefined || heaviest.size <= own + 1) {
      throw new CapacityError(
        `handshake: ${this.bounds.maxPending} pending handshakes, refusing more`,
      );
    }
    const oldest = heaviest.values().next().value;
    const record = oldest === undefined ? undefined : this.pending.get(oldest);
    if (record !== undefined) this.settle(record, 'expired');
  }

  /** Admits a pending handshake (after {@link makeRoom}). */
  admit(handshakeId: bigint, source: Endpoint, now: number, pending: PendingHandshake): void {
    // A clock read that goes back must not break the time order expiry relies on.
    this.latest = Math.max(this.latest, now);
    const quota = quotaKey(source);
    const record: HandshakeRecord = {
      handshakeId,
      source: endpointKey(source),
      quota,
      createdAt: this.latest,
      outcome: 'pending',
      pending,
    };
    this.pending.set(handshakeId, record);
    const ids = this.perSource.get(quota);
    if (ids === undefined) this.perSource.set(quota, new Set([handshakeId]));
    else ids.add(handshakeId);
  }

  /** Ends a pending handshake: its secrets are wiped, its id is remembered against replays. */
  settle(record: HandshakeRecord, outcome: Exclude<HandshakeOutcome, 'pending'>): void {
    record.pending?.state.wipe();
    record.pending = undefined;
    record.outcome = outcome;
    if (!this.pending.delete(record.handshakeId)) return;
    const ids = this.perSource.get(record.quota);
    ids?.delete(record.handshakeId);
    if (ids?.size === 0) this.perSource.delete(record.quota);
    while (this.remembered.size >= this.bounds.maxRemembered) {
      const oldest = this.remembered.keys().next().value;
      if (oldest === undefined) break;
      this.remembered.delete(oldest);
    }
    this.remembered.set(record.handshakeId, record);
  }

  /** Expires pending handshakes past their timeout and forgets ids past their memory. */
  expire(now: number): void {
    for (const record of this.pending.values()) {
      if (now < record.createdAt + this.bounds.pendingTimeoutUs) break;
      this.settle(record, 'expired');
    }
    for (const record of this.remembered.values()) {
      if (now < record.createdAt + this.bounds.memoryUs) break;
      this.remembered.delete(record.handshakeId);
    }
  }

  /** Wipes every pending secret and forgets everything. */
  clear(): void {
    for (const record of this.pending.values()) record.pending?.state.wipe();
    this.pending.clear();
    this.remembered.clear();
    this.perSource.clear();
  }
}

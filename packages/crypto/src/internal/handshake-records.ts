import type { NodeId, SessionId } from '@elara/core';
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
  readonly source: string;
  readonly createdAt: number;
  outcome: HandshakeOutcome;
  pending: PendingHandshake | undefined;
}

/** Bounds of a {@link HandshakeRecords} table. */
export interface RecordBounds {
  readonly maxRecords: number;
  readonly maxPerSource: number;
  readonly pendingTimeoutUs: number;
  readonly memoryUs: number;
}

/**
 * The responder's only per-peer state, created only for sources that returned a valid cookie:
 * each admitted handshake id, pending until its Finish (or `pendingTimeoutUs`), then remembered
 * without secrets until `memoryUs` after admission, so a replay of any of its messages is
 * recognised while its cookie could still be valid. Bounded in total and per source; when a
 * bound is reached a new handshake is refused (`CapacityError`), never an old one forgotten
 * early, since forgetting would let its messages be replayed.
 *
 * Records are admitted in time order, so both deadlines expire oldest first: two ordered maps
 * let expiry touch only what expires.
 */
export class HandshakeRecords {
  private readonly records = new Map<bigint, HandshakeRecord>();
  private readonly pending = new Map<bigint, HandshakeRecord>();
  private readonly perSource = new Map<string, number>();
  private latest = -Infinity;

  constructor(private readonly bounds: RecordBounds) {}

  /** Records held (pending and remembered). */
  get size(): number {
    return this.records.size;
  }

  /** Handshakes waiting for their Finish. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** Distinct sources with records. */
  get sourceCount(): number {
    return this.perSource.size;
  }

  get(handshakeId: bigint): HandshakeRecord | undefined {
    return this.records.get(handshakeId);
  }

  /** Throws `CapacityError` unless one more record from `source` fits. */
  checkRoom(source: string): void {
    if (this.records.size >= this.bounds.maxRecords) {
      throw new CapacityError(
        `handshake: ${this.bounds.maxRecords} handshakes in memory, refusing more`,
      );
    }
    if ((this.perSource.get(source) ?? 0) >= this.bounds.maxPerSource) {
      throw new CapacityError(
        `handshake: ${this.bounds.maxPerSource} recent handshakes from ${source}, refusing more`,
      );
    }
  }

  /** Admits a pending handshake (after {@link checkRoom}). */
  admit(handshakeId: bigint, source: string, now: number, pending: PendingHandshake): void {
    // A clock read that goes back must not break the time order expiry relies on.
    this.latest = Math.max(this.latest, now);
    const record: HandshakeRecord = {
      handshakeId,
      source,
      createdAt: this.latest,
      outcome: 'pending',
      pending,
    };
    this.records.set(handshakeId, record);
    this.pending.set(handshakeId, record);
    this.perSource.set(source, (this.perSource.get(source) ?? 0) + 1);
  }

  /** Ends a pending handshake: its secrets are wiped, its id stays remembered. */
  settle(record: HandshakeRecord, outcome: Exclude<HandshakeOutcome, 'pending'>): void {
    record.pending?.state.wipe();
    record.pending = undefined;
    record.outcome = outcome;
    this.pending.delete(record.handshakeId);
  }

  /** Expires pending handshakes past their timeout and forgets records past their memory. */
  expire(now: number): void {
    for (const record of this.pending.values()) {
      if (now < record.createdAt + this.bounds.pendingTimeoutUs) break;
      this.settle(record, 'expired');
    }
    for (const record of this.records.values()) {
      if (now < record.createdAt + this.bounds.memoryUs) break;
      if (record.pending !== undefined) this.settle(record, 'expired');
      this.records.delete(record.handshakeId);
      const n = (this.perSource.get(record.source) ?? 1) - 1;
      if (n === 0) this.perSource.delete(record.source);
      else this.perSource.set(record.source, n);
    }
  }

  /** Wipes every pending secret and forgets everything. */
  clear(): void {
    for (const record of this.pending.values()) record.pending?.state.wipe();
    this.records.clear();
    this.pending.clear();
    this.perSource.clear();
  }
}

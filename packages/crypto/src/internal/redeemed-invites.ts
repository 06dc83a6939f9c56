import type { NodeId } from '@elara/core';
import { CapacityError } from '../crypto-errors.ts';

interface Entry {
  readonly redeemer: NodeId;
  readonly expiresAt: number;
}

/**
 * The inviter's memory of redeemed invites, bounded: an entry lives until its invite expires
 * (after which the invite is refused as expired anyway). When every slot holds an unexpired
 * invite, a new redemption is refused with `CapacityError` rather than forgetting one, since
 * forgetting would let that invite be used again.
 */
export class RedeemedInvites {
  private readonly entries = new Map<string, Entry>();

  constructor(readonly capacity: number) {}

  /** How many redemptions are remembered. */
  get size(): number {
    return this.entries.size;
  }

  /** Who redeemed the invite `key`, if anyone did and it has not expired. */
  redeemer(key: string, now: number): NodeId | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (now >= entry.expiresAt) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.redeemer;
  }

  /** Remembers that `redeemer` redeemed `key`; `CapacityError` when full of live entries. */
  add(key: string, redeemer: NodeId, expiresAt: number, now: number): void {
    if (this.entries.size >= this.capacity) this.forgetExpired(now);
    if (this.entries.size >= this.capacity) {
      throw new CapacityError(
        `invites: ${this.capacity} unexpired redeemed invites remembered, refusing more`,
      );
    }
    this.entries.set(key, { redeemer, expiresAt });
  }

  private forgetExpired(now: number): void {
    for (const [key, entry] of this.entries) if (now >= entry.expiresAt) this.entries.delete(key);
  }
}

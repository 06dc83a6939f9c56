import type { Endpoint, SessionId } from '@elara/core';
import type { HandshakeInitiator, HandshakeResult } from '@elara/crypto';
import type { Transport } from '@elara/net';
import { NodeCapacityError } from '../runtime-errors.ts';

/** A handshake this node initiates, from its first Init to its result or failure. */
export interface PendingHandshake {
  readonly initiator: HandshakeInitiator;
  readonly sessionId: SessionId;
  /** Where Inits go until the responder answers. */
  readonly addresses: readonly Endpoint[];
  /** The address the responder answered from; later messages go only there. */
  remote: Endpoint | undefined;
  /** The transport its answer came on (the node's socket, or the relay); later messages too. */
  via: Transport | undefined;
  readonly onResult: (result: HandshakeResult, remote: Endpoint, via: Transport) => void;
  readonly onFailure: (error: unknown) => void;
}

/**
 * The handshakes in progress that this node initiated, bounded (`limits.maxPendingHandshakes`).
 * Small by design, so lookups by handshake id walk it.
 */
export class PendingHandshakes {
  private readonly pending = new Set<PendingHandshake>();

  constructor(private readonly max: number) {}

  get size(): number {
    return this.pending.size;
  }

  /** Adds one; {@link NodeCapacityError} when the table is full. */
  add(handshake: PendingHandshake): void {
    if (this.pending.size >= this.max) throw new NodeCapacityError('pendingHandshakes', this.max);
    this.pending.add(handshake);
  }

  remove(handshake: PendingHandshake): boolean {
    return this.pending.delete(handshake);
  }

  /** True while a handshake for `sessionId` is in progress. */
  hasSession(sessionId: SessionId): boolean {
    for (const p of this.pending) if (p.sessionId === sessionId) return true;
    return false;
  }

  /** The handshake whose current attempt has this id. */
  byHandshakeId(id: bigint): PendingHandshake | undefined {
    for (const p of this.pending) if (p.initiator.handshakeId === id) return p;
    return undefined;
  }

  /** A copy, so callers may remove entries while walking it. */
  all(): PendingHandshake[] {
    return [...this.pending];
  }
}

import type { NodeId } from '@elara/core';

function hex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

/**
 * Whom each invite of one session admitted. Crypto's `InviteBook` makes an invite single-use
 * across identities but lets the identity that redeemed it handshake again until it expires
 * (its last handshake message may have been lost). That must not sign it back in once the
 * membership log has removed it (it left, or was removed): an invite admits one identity, once.
 * A new invite, issued after the removal, admits it again.
 *
 * Bounded like the membership log: every admission is one of its entries, so `max` is the
 * log's entry bound; past it, as the log itself would, new admissions are refused.
 */
export class InviteAdmissions {
  private readonly admitted = new Map<string, NodeId>();

  constructor(private readonly max: number) {}

  /**
   * True when `peer` may be signed in with invite `inviteId`: the invite admitted no one yet, or
   * admitted this very peer, who is still in the session (a repeated handshake: nothing new is
   * signed).
   */
  allows(inviteId: Uint8Array, peer: NodeId, inSession: boolean): boolean {
    const first = this.admitted.get(hex(inviteId));
    if (first === undefined) return this.admitted.size < this.max;
    return first === peer && inSession;
  }

  /** `peer` was signed in with `inviteId`. */
  record(inviteId: Uint8Array, peer: NodeId): void {
    const key = hex(inviteId);
    if (!this.admitted.has(key) && this.admitted.size < this.max) this.admitted.set(key, peer);
  }
}

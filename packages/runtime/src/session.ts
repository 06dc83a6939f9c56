import type { Endpoint, NodeId, SessionId } from '@elara/core';
import type { TimeEngine } from '@elara/time';
import type { Observable } from 'rxjs';
import type { SessionCore, SessionRole } from './internal/session-core.ts';
import type { Participant } from './participant.ts';

/** Options of {@link Session.invite}. */
export interface InviteOptions {
  /** How long the invite stays valid, µs. Default: the node's `inviteLifetimeUs` (1 h). */
  readonly lifetimeUs?: number;
  /** Where the joiner should reach this node. Default: the node's advertised addresses. */
  readonly addresses?: readonly Endpoint[];
}

/**
 * One session as this node holds it: made by `node.createSession()` or `node.joinSession(invite)`.
 *
 * @example
 * const room = await alice.createSession();
 * const text = room.invite(); // give it to Bob, secretly: it admits whoever holds it, once
 * room.participants$.subscribe((all) => console.log([...all.keys()]));
 * await room.leave();
 */
export class Session {
  /** @internal Built by the node. */
  constructor(private readonly core: SessionCore) {}

  /** The session's id (random, chosen by its creator). */
  get sessionId(): SessionId {
    return this.core.sessionId;
  }

  /** Whether this node created the session or joined it. */
  get role(): SessionRole {
    return this.core.role;
  }

  /** True once the session has ended on this node (`leave()`, or the node stopped). */
  get closed(): boolean {
    return this.core.closed;
  }

  /**
   * The members as this node sees them, itself included, by NodeId: the value `participants$`
   * last emitted. `lastSeen` is refreshed at most once per heartbeat interval.
   */
  get participants(): ReadonlyMap<NodeId, Participant> {
    return this.core.participants;
  }

  /**
   * The members, now and at every change (a member joins, a path moves, a peer falls silent or
   * comes back, a round-trip sample, `lastSeen` once per heartbeat interval). Completes when the
   * session ends.
   */
  get participants$(): Observable<ReadonlyMap<NodeId, Participant>> {
    return this.core.participants$;
  }

  /** The session's time engine: τs, the reality window, the per-peer network model. */
  get time(): TimeEngine {
    return this.core.time;
  }

  /**
   * A signed, single-use invite to this session, as URL-safe text (crypto's invite format).
   * Whoever holds it can join once, until it expires: hand it over secretly.
   * Throws `ClosedError` once the session has ended; `OutOfRangeError` for a lifetime over 7 days.
   */
  invite(options: InviteOptions = {}): string {
    return this.core.invite(options.lifetimeUs, options.addresses);
  }

  /**
   * Leaves the session on this node: every channel's keys are erased and `participants$`
   * completes. Peers see this node fall silent (`connected: false` after their `peerTimeoutUs`).
   * Idempotent.
   */
  leave(): Promise<void> {
    this.core.close();
    return Promise.resolve();
  }
}

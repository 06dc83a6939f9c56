import type { Endpoint, NodeId, SessionId } from '@elara/core';
import type { FieldSnapshot, MembershipLog, StateField } from '@elara/state';
import type { PresenceStream, StreamKey, Streams, TextStream, TypingStream } from '@elara/streams';
import type { TimeEngine } from '@elara/time';
import type { Observable } from 'rxjs';
import type { SessionCore, SessionRole } from './internal/session-core.ts';
import type { Participant } from './participant.ts';
import type { SessionEnd } from './session-end.ts';

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
 * room.text('general').messages$.subscribe((list) => render(list));
 * room.text('general').send('hello'); // applied here at once, then sent to every member
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

  /**
   * True once the session has ended on this node: `leave()`, the node stopped, or another
   * member removed this node (see {@link end}).
   */
  get closed(): boolean {
    return this.core.closed;
  }

  /**
   * Why the session ended here (`left`, `stopped`, or `removed` with a
   * `RemovedFromSessionError` naming the remover); undefined while it runs.
   */
  get end(): SessionEnd | undefined {
    return this.core.end;
  }

  /**
   * Emits once, when the session ends here, why ({@link end}), then completes; a subscriber
   * that comes later gets it too. A removed node learns of its removal from the signed entry
   * itself: the members that drop its channels first send it the entry (see the README).
   *
   * @example
   * session.closed$.subscribe((end) => {
   *   if (end.reason === 'removed') console.log('removed by', end.error.removedBy);
   * });
   */
  get closed$(): Observable<SessionEnd> {
    return this.core.closed$;
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

  /** The session's state field: every atom, its change feed, `snapshot()`. */
  get state(): StateField {
    return this.core.replica.field;
  }

  /** The session's membership log (who is in, with which role and keys). */
  get membership(): MembershipLog {
    return this.core.replica.membership;
  }

  /** The session's streams registry (text, presence, typing; more kinds later). */
  get streams(): Streams {
    return this.core.replica.streams;
  }

  /**
   * The text stream `key`: `messages$`, `send`, `edit`, `react`, `delete`. A full local log
   * makes `send()` throw state's `LocalLogFullError` (nothing sent, nothing lost).
   */
  text(key: StreamKey): TextStream {
    return this.core.replica.streams.text(key);
  }

  /** Presence (session-wide by default): `presence$`, `join`, `update`, `leave`. */
  presence(key?: StreamKey): PresenceStream {
    return this.core.replica.streams.presence(key);
  }

  /** Typing indicators of stream `key`: `typing$`, `start`, `stop`. */
  typing(key: StreamKey): TypingStream {
    return this.core.replica.streams.typing(key);
  }

  /**
   * The canonical form of the session's state: equal (as JSON) on members that hold the same
   * events, which is what "identical replicas" means.
   */
  snapshot(): FieldSnapshot {
    return this.core.replica.field.snapshot();
  }

  /**
   * A signed, single-use invite to this session, as URL-safe text (crypto's invite format).
   * Whoever holds it can join once, until it expires: hand it over secretly. Only the session's
   * founder (its creator) issues invites: elsewhere {@link CannotInviteError} (a member may not
   * add members by the log's role rules; a joiner takes an invite's signer for the founder).
   * Throws `ClosedError` once the session has ended; `OutOfRangeError` for a lifetime over 7 days
   * or `addresses` that are not 1 to 8 endpoints.
   */
  invite(options: InviteOptions = {}): string {
    return this.core.invite(options.lifetimeUs, options.addresses);
  }

  /**
   * Removes `member` from the session (this node must be allowed to: the founder or another
   * owner, or an admin removing a member). The signed removal reaches every member, who close
   * their channels with it and refuse its handshakes from then on: it can neither read what
   * follows nor write. State's `LocalEventRejectedError` when not allowed (the founder cannot be
   * removed), `LocalLogFullError` when the local log is full; nothing happens for a non-member.
   */
  remove(member: NodeId): void {
    this.core.remove(member);
  }

  /**
   * Leaves the session for good: a presence `leave` (if this node joined presence) and this
   * node's removal from the membership log (the founder cannot be removed) go out first, so
   * peers drop it at once; then every channel's keys are erased and the observables complete.
   * Idempotent. (`node.stop()` ends sessions without the removal: the node may come back.)
   */
  leave(): Promise<void> {
    this.core.leave(true);
    return Promise.resolve();
  }
}

import { ElaraError, type NodeId } from '@elara/core';

/**
 * A {@link NodeConfig} field is missing its shape or out of range. The message names the field;
 * `field` carries it for programs.
 *
 * @example
 * try {
 *   await Node.create({ maxPeers: 0 });
 * } catch (e) {
 *   if (NodeConfigError.isInstance(e)) console.log((e as NodeConfigError).field); // 'maxPeers'
 * }
 */
export class NodeConfigError extends ElaraError {
  static override readonly code: string = 'NodeConfigError';

  constructor(
    /** The offending field, dotted (`limits.maxSessions`). */
    readonly field: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`node config ${field}: ${message}`, options);
  }
}

/**
 * The node already has a session with this id (joining a session twice, or a join racing
 * another for the same session).
 *
 * @example
 * await bob.joinSession(text);
 * await bob.joinSession(text); // SessionExistsError
 */
export class SessionExistsError extends ElaraError {
  static override readonly code: string = 'SessionExistsError';
}

/**
 * One of the node's bounded tables is full: sessions (`limits.maxSessions`), pending handshakes
 * (`limits.maxPendingHandshakes`) or peers (`maxPeers`). `table` names it.
 *
 * @example
 * try {
 *   await node.joinSession(text);
 * } catch (e) {
 *   if (NodeCapacityError.isInstance(e)) retryLater();
 * }
 */
export class NodeCapacityError extends ElaraError {
  static override readonly code: string = 'NodeCapacityError';

  constructor(
    /** `'sessions'`, `'pendingHandshakes'` or `'peers'`. */
    readonly table: 'sessions' | 'pendingHandshakes' | 'peers',
    limit: number,
  ) {
    super(`node: the ${table} table is full (${limit})`);
  }
}

/**
 * A join's handshake completed but the inviter's membership entry admitting this node did not
 * arrive within `peerTimeoutUs` (the inviter's local log was full, or it went away).
 *
 * @example
 * await bob.joinSession(text); // NotAdmittedError if Alice never signs Bob in
 */
export class NotAdmittedError extends ElaraError {
  static override readonly code: string = 'NotAdmittedError';
}

/**
 * `session.invite()` on a node that is not the session's founder: a joiner learns the founder's
 * keys (the membership log's trust anchor) from its invite's signer, so only the founder may
 * sign invites. Ask the founder for one. (A member, by the log's role rules, may not add
 * members at all; the message says which rule refused.)
 *
 * @example
 * joined.invite(); // CannotInviteError: only the founder issues invites
 */
export class CannotInviteError extends ElaraError {
  static override readonly code: string = 'CannotInviteError';
}

/**
 * This node was removed from the session: a member allowed to (an owner, or an admin for a
 * member) signed its removal into the membership log, and the entry reached this node (its
 * signature and the remover's authority checked like any entry's). The session has ended here:
 * the reason in `session.end` and `session.closed$`.
 *
 * @example
 * session.closed$.subscribe((end) => {
 *   if (end.reason === 'removed') console.log('removed by', end.error.removedBy);
 * });
 */
export class RemovedFromSessionError extends ElaraError {
  static override readonly code: string = 'RemovedFromSessionError';

  constructor(
    /**
     * The member whose signed entry removed this node; undefined when the log's verdict
     * changed without a new entry (an entry that had admitted it was found to be cut, being
     * concurrent with its signer's own removal).
     */
    readonly removedBy: NodeId | undefined,
  ) {
    super(
      removedBy === undefined
        ? 'session: this node is no longer in the membership log'
        : `session: this node was removed by ${removedBy}`,
    );
  }
}

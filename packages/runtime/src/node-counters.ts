import { ElaraError } from '@elara/core';

/**
 * What a node has done so far: a plain snapshot (`node.counters()`, and each value of
 * `node.counters$`). Counts only grow, except the gauges marked "now".
 *
 * Every datagram received is counted in `datagramsIn`; one that is dropped is also counted once
 * in `rejected`, under the name of the error that refused it (`AuthenticationError`,
 * `DuplicateFrameError`, `InvalidCookieError`, core's wire errors…) or a runtime rejection
 * (see {@link Rejection}).
 */
export interface NodeCounters {
  readonly datagramsIn: number;
  readonly bytesIn: number;
  /** Datagrams the transport accepted (`'sent'` or `'queued'`). */
  readonly datagramsOut: number;
  readonly bytesOut: number;
  /** Datagrams the transport refused (its send queue was full, or it threw). */
  readonly sendRefused: number;
  /**
   * Events dropped from a peer's full outbox (the transport had no room for long, or the peer
   * had no channel). A durable one still reaches the peer by repair; an ephemeral one is
   * superseded by the next.
   */
  readonly eventsDropped: number;
  /**
   * Bytes of the datagrams that carried events when they were first sent (sealed frames, headers
   * and tags included): the payload traffic that {@link repair} bytes are compared with.
   */
  readonly eventBytesOut: number;
  /**
   * Repair traffic (packet class Repair: digests, targeted requests and their answers), apart
   * from the rest. `bytesOut / eventBytesOut` is the repair overhead: bytes of repair per byte
   * of events sent.
   */
  readonly repair: {
    /** Repair requests sent: digests and targeted requests for missing events. */
    readonly requestsOut: number;
    /** Repair requests received and answered (refused ones are in `rejected`). */
    readonly requestsIn: number;
    /** Events sent in repair answers (forwarded with their authors' signatures). */
    readonly eventsOut: number;
    /** Events received in repair answers. */
    readonly eventsIn: number;
    /** Bytes of repair datagrams sent. */
    readonly bytesOut: number;
    /** Bytes of repair datagrams received (authenticated). */
    readonly bytesIn: number;
  };
  /**
   * Two different signed durable events seen with one (author, seq), in any session (state's
   * `onEquivocation`): an author reused a seq, and the replicas may keep different ones.
   */
  readonly equivocations: number;
  /** Dropped input, by error or rejection name. */
  readonly rejected: Readonly<Record<string, number>>;
  /** The sum of `rejected`. */
  readonly rejectedTotal: number;
  readonly handshakes: {
    /** Handshakes this node started as initiator (joins, and dials to other members). */
    readonly initiated: number;
    /** Of those, completed with keys. */
    readonly completed: number;
    /** Of those, ended without keys (timeout, refusal, abort, stop). */
    readonly failed: number;
    /** Handshakes this node completed as responder. */
    readonly accepted: number;
    /** Initiated handshakes in progress now. */
    readonly pending: number;
    /**
     * Channels set aside because two handshakes with one peer crossed: the one whose initiator
     * has the lower NodeId is kept (the other still opens the peer's frames meanwhile).
     */
    readonly crossed: number;
  };
  /** Sessions held now. */
  readonly sessions: number;
  /** Pairwise channels held now, over all sessions. */
  readonly peers: number;
  /** Events waiting in the sessions' quarantines now (events, bytes). */
  readonly quarantine: { readonly events: number; readonly bytes: number };
  /** Fragments held for reassembly now, over all sessions (messages, charged bytes). */
  readonly reassembly: { readonly messages: number; readonly bytes: number };
  /** Ticks run. */
  readonly ticks: number;
}

/**
 * Names of the rejections the runtime makes itself (the others are the names of the errors the
 * layers below throw).
 */
export const Rejection = {
  /** Not an Elara v1 datagram: empty, another protocol, or a malformed STUN/TURN shape. */
  UnknownDatagram: 'UnknownDatagram',
  /** A reference (v0) frame: this node speaks v1 only. */
  WireVersion0: 'WireVersion0',
  /** STUN or TURN traffic no client on this node expects. */
  UnexpectedStun: 'UnexpectedStun',
  /** A sealed frame for a session this node does not hold. */
  UnknownSession: 'UnknownSession',
  /** A sealed frame from a sender without a channel in that session. */
  UnknownPeer: 'UnknownPeer',
  /** A handshake answer for no handshake this node is running. */
  UnknownHandshake: 'UnknownHandshake',
  /**
   * A second answer to a join's Init, which went to every address of the invite: the copy that
   * reached the inviter by another of its addresses (a wildcard-bound inviter) was answered too,
   * after the first answer had moved the handshake on. Expected with several addresses.
   */
  DuplicateHandshakeAnswer: 'DuplicateHandshakeAnswer',
  /** A completed handshake for a session gone meanwhile. */
  SessionGone: 'SessionGone',
  /** A completed handshake refused because `maxPeers` channels are open. */
  PeerLimit: 'PeerLimit',
  /** A fragment the reassembler refused (`ReassemblyRejected:<reason>` names the reason). */
  ReassemblyRejected: 'ReassemblyRejected',
  /** A fragment whose bytes differ from an earlier copy of the same piece. */
  ConflictingFragment: 'ConflictingFragment',
  /**
   * An event the state field refused, as `Event:<reason>` with state's `RejectionReason`
   * (`Event:BadSignature`, `Event:Unauthorized`, `Event:NotFromAuthor`…).
   */
  Event: 'Event',
  /** A reassembled message that is itself empty or a fragment. */
  BadReassembly: 'BadReassembly',
  /** A control message this side did not ask for (a round-trip answer to no probe). */
  Unsolicited: 'Unsolicited',
  /** A control message of a type the peer must not send on a channel (a handshake). */
  MisplacedControl: 'MisplacedControl',
  /** A time-sync answer whose timestamps cannot describe an exchange (time's `Invalid`). */
  InvalidTimeSync: 'InvalidTimeSync',
  /** A time-sync request beyond the peer's rate (two per clock-sync slot, bursts of four). */
  TimeSyncRateLimited: 'TimeSyncRateLimited',
  /** A repair request beyond the peer's rate (its answer would cost more than allowed). */
  RepairRateLimited: 'RepairRateLimited',
  /** An exception that is not a named Elara error: a bug, reported on `node.errors$`. */
  UnexpectedError: 'UnexpectedError',
} as const;
export type Rejection = (typeof Rejection)[keyof typeof Rejection];

/** The name a rejection is counted under: the Elara error's class name, else `UnexpectedError`. */
export function rejectionName(error: unknown): string {
  return error instanceof ElaraError || ElaraError.isInstance(error)
    ? (error as ElaraError).code
    : Rejection.UnexpectedError;
}

/** The live, mutable counts behind {@link NodeCounters}; the node owns one. */
export class CounterBook {
  datagramsIn = 0;
  bytesIn = 0;
  datagramsOut = 0;
  bytesOut = 0;
  sendRefused = 0;
  eventsDropped = 0;
  eventBytesOut = 0;
  repairRequestsOut = 0;
  repairRequestsIn = 0;
  repairEventsOut = 0;
  repairEventsIn = 0;
  repairBytesOut = 0;
  repairBytesIn = 0;
  crossed = 0;
  equivocations = 0;
  initiated = 0;
  completed = 0;
  failed = 0;
  accepted = 0;
  ticks = 0;
  private rejectedTotal = 0;
  private readonly rejections = new Map<string, number>();

  /** Counts one dropped input under `name`. */
  reject(name: string): void {
    this.rejectedTotal++;
    this.rejections.set(name, (this.rejections.get(name) ?? 0) + 1);
  }

  /** How many inputs were dropped under `name`. */
  rejectedAs(name: string): number {
    return this.rejections.get(name) ?? 0;
  }

  /** A snapshot, with the gauges the node reads at that moment. */
  snapshot(gauges: {
    readonly pending: number;
    readonly sessions: number;
    readonly peers: number;
    readonly quarantine: NodeCounters['quarantine'];
    readonly reassembly: NodeCounters['reassembly'];
  }): NodeCounters {
    return {
      datagramsIn: this.datagramsIn,
      bytesIn: this.bytesIn,
      datagramsOut: this.datagramsOut,
      bytesOut: this.bytesOut,
      sendRefused: this.sendRefused,
      eventsDropped: this.eventsDropped,
      eventBytesOut: this.eventBytesOut,
      repair: {
        requestsOut: this.repairRequestsOut,
        requestsIn: this.repairRequestsIn,
        eventsOut: this.repairEventsOut,
        eventsIn: this.repairEventsIn,
        bytesOut: this.repairBytesOut,
        bytesIn: this.repairBytesIn,
      },
      equivocations: this.equivocations,
      rejected: Object.fromEntries(this.rejections),
      rejectedTotal: this.rejectedTotal,
      handshakes: {
        initiated: this.initiated,
        completed: this.completed,
        failed: this.failed,
        accepted: this.accepted,
        pending: gauges.pending,
        crossed: this.crossed,
      },
      sessions: gauges.sessions,
      peers: gauges.peers,
      quarantine: gauges.quarantine,
      reassembly: gauges.reassembly,
      ticks: this.ticks,
    };
  }
}

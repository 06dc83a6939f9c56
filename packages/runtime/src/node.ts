import {
  type Cancel,
  ClosedError,
  type Datagram,
  type ElaraError,
  type Endpoint,
  type NodeId,
  OutOfRangeError,
  type Scheduler,
  type SessionId,
  decodeHeaderV1,
  realTimeScheduler,
  sessionId as toSessionId,
  systemClock,
} from '@elara/core';
import {
  type CryptoProvider,
  HandshakeInitiator,
  HandshakeMessageType,
  HandshakeResponder,
  type HandshakeResult,
  Identity,
  type InitiatorStatus,
  type Invite,
  InviteBook,
  MalformedInviteError,
  type PublicIdentity,
  decodeInvite,
  defaultCryptoProvider,
  isHandshakeDatagram,
  routeHandshake,
} from '@elara/crypto';
import {
  DatagramKind,
  Demultiplexer,
  RELAY_OVERHEAD,
  type Transport,
  UdpTransport,
  classifyDatagram,
} from '@elara/net';
import { BehaviorSubject, type Observable, Subject, type Subscription, defer } from 'rxjs';
import { FrameSender } from './frame-sender.ts';
import { inviteAddresses } from './internal/invite-addresses.ts';
import type { DialTarget } from './internal/mesh-dialer.ts';
import { NodeRelay } from './internal/node-relay.ts';
import { type PendingHandshake, PendingHandshakes } from './internal/pending-handshakes.ts';
import { SessionCore } from './internal/session-core.ts';
import type { SessionHost } from './internal/session-host.ts';
import { type NodeConfig, type ResolvedNodeConfig, resolveNodeConfig } from './node-config.ts';
import { CounterBook, type NodeCounters, Rejection, rejectionName } from './node-counters.ts';
import {
  NodeCapacityError,
  NodeConfigError,
  NotAdmittedError,
  SessionExistsError,
} from './runtime-errors.ts';
import { Session } from './session.ts';

/** Where a node stands: running from `create()` until `stop()` has finished. */
export type NodeStatus = 'running' | 'stopping' | 'stopped';

/** Options of {@link Node.joinSession}. */
export interface JoinOptions {
  /** Abandons the join: the promise rejects with the signal's reason. */
  readonly signal?: AbortSignal;
}

/** Bounded wait for the owned socket to flush what was queued before it closes, µs. */
const DRAIN_ON_STOP_US = 1_000_000;

/**
 * An Elara node: one identity, one transport, the sessions it holds and the event loop that
 * drives them. `await Node.create()` binds a UDP socket (127.0.0.1, any port, by default) and
 * starts the loop at once, so a node can create, join and serve sessions straight away.
 *
 * The loop has two halves. Each datagram is processed the moment it arrives: demultiplexed
 * (STUN and TURN apart from Elara frames), then a handshake message goes to crypto's responder or
 * to the initiator it answers, and a sealed frame to its session's channel with the sender, which
 * opens it (authentication, then the replay window); fragments are reassembled, control messages
 * handled. The tick (`tickIntervalUs`) runs handshake retries and the responder's expiry, each
 * session's heartbeats, probes, timeouts and reassembly expiry, and publishes counters.
 *
 * Bad input never throws out of the loop: every dropped datagram is counted by name
 * (`counters().rejected`). `stop()` (or aborting `run`'s signal) is graceful and idempotent, and
 * leaves nothing behind: no socket, timer or subscription.
 *
 * @example
 * const alice = await Node.create();
 * const bob = await Node.create();
 * const room = await alice.createSession();
 * const joined = await bob.joinSession(room.invite());
 * console.log(joined.participants.size); // 2
 * await Promise.all([alice.stop(), bob.stop()]);
 */
export class Node {
  /** The node's identity (its NodeId, keys for handshakes and event signatures). */
  readonly identity: Identity;
  /** The node's configuration with every default filled in. */
  readonly config: ResolvedNodeConfig;
  /** The transport the node sends and receives on. */
  readonly transport: Transport;
  /** The node's clock and timers. */
  readonly scheduler: Scheduler;
  /** The crypto provider in use. */
  readonly provider: CryptoProvider;

  private readonly counterBook = new CounterBook();
  private readonly countersSubject: BehaviorSubject<NodeCounters>;
  private readonly errorsSubject = new Subject<ElaraError | Error>();
  private readonly sessions = new Map<SessionId, SessionCore>();
  private readonly pending: PendingHandshakes;
  private readonly responder: HandshakeResponder;
  private readonly invites: InviteBook;
  private readonly demux: Demultiplexer;
  private readonly sender: FrameSender;
  private readonly host: SessionHost;
  /** The relayed path (TURN), when `turnServers` are configured. */
  private readonly relay: NodeRelay | undefined;
  private readonly subscriptions: Subscription[] = [];
  private readonly cancels: Cancel[] = [];
  private cancelTick: Cancel | undefined;
  private state: NodeStatus = 'running';
  private stopping: Promise<void> | undefined;
  private readonly stoppedPromise: Promise<void>;
  private resolveStopped!: () => void;

  /**
   * Creates a node and starts its event loop. With no argument: a fresh identity, a UDP socket on
   * `127.0.0.1` (port chosen by the system), real time. Bad configuration is a
   * {@link NodeConfigError} naming the field; a socket that cannot bind is net's `BindError`.
   */
  static async create(config: NodeConfig = {}): Promise<Node> {
    const resolved = resolveNodeConfig(config);
    const provider = resolved.crypto ?? defaultCryptoProvider();
    const scheduler = resolved.scheduler ?? realTimeScheduler(systemClock());
    const owned = !(resolved.identity instanceof Identity);
    const identity = identityOf(resolved, provider);
    let transport = resolved.transport;
    try {
      transport ??= await UdpTransport.create({
        bind: resolved.bindAddr as Endpoint,
        scheduler,
        maxDatagramSize: resolved.limits.maxDatagramSize,
        sendQueueLength: resolved.limits.sendQueueLength,
      });
    } catch (e) {
      if (owned) identity.dispose();
      throw e;
    }
    try {
      return new Node(resolved, provider, scheduler, identity, owned, transport);
    } catch (e) {
      if (resolved.transport === undefined) await transport.close();
      if (owned) identity.dispose();
      throw e;
    }
  }

  private constructor(
    config: ResolvedNodeConfig,
    provider: CryptoProvider,
    scheduler: Scheduler,
    identity: Identity,
    private readonly ownsIdentity: boolean,
    transport: Transport,
  ) {
    this.config = config;
    this.provider = provider;
    this.scheduler = scheduler;
    this.identity = identity;
    this.transport = transport;
    this.pending = new PendingHandshakes(config.limits.maxPendingHandshakes);
    this.invites = new InviteBook(provider, identity, { maxLifetimeUs: 7 * 24 * 3_600_000_000 });
    try {
      this.responder = new HandshakeResponder({
        provider,
        identity,
        invites: this.invites,
        authorize: (peer, session) => this.authorize(peer, session),
        limits: config.limits.responder,
      });
    } catch (e) {
      if (OutOfRangeError.isInstance(e)) {
        throw new NodeConfigError('limits.responder', (e as Error).message, { cause: e });
      }
      throw e;
    }
    this.sender = new FrameSender(
      transport,
      this.counterBook,
      config.limits.reassembly.maxFragmentsPerMessage,
      Number(provider.randomBytes(4).reduce((a, b) => a * 256 + b, 0)),
      // Frames that may go through the relay leave room for its ChannelData header.
      config.turnServers.length > 0 ? RELAY_OVERHEAD : 0,
    );
    this.host = {
      identity,
      provider,
      scheduler,
      config,
      clock: config.clock ?? scheduler,
      counters: this.counterBook,
      sender: this.sender,
      issueInvite: (session, expiresAt, addresses) =>
        this.invites.issue(
          {
            sessionId: session,
            addresses:
              addresses ?? config.advertisedAddresses ?? inviteAddresses(transport.localAddress),
            expiresAt,
          },
          scheduler.now(),
        ).text,
      canAddPeer: () => this.peerCount() < config.maxPeers,
      detach: (session) => {
        this.sessions.delete(session);
      },
      report: (error) => this.report(error),
    };
    this.countersSubject = new BehaviorSubject(this.snapshot());
    this.stoppedPromise = new Promise((resolve) => (this.resolveStopped = resolve));
    this.demux = new Demultiplexer(transport.datagrams$);
    this.cancels.push(
      this.demux.on(DatagramKind.ElaraV1, this.onFrame),
      this.demux.on(DatagramKind.ElaraV0, this.rejectAs(Rejection.WireVersion0)),
      this.demux.on(DatagramKind.Unknown, this.rejectAs(Rejection.UnknownDatagram)),
      this.demux.on(DatagramKind.Malformed, this.rejectAs(Rejection.UnknownDatagram)),
    );
    if (config.turnServers.length > 0) {
      // STUN and TURN traffic goes to the relay's clients, which count what they do not expect.
      this.relay = new NodeRelay({
        transport,
        demux: this.demux,
        scheduler,
        random: { fill: (t) => (t.set(provider.randomBytes(t.length)), t) },
        servers: config.turnServers,
        maxPermissions: config.limits.relayPermissions,
        onScheduler: config.scheduler !== undefined,
        receive: (d, via) => this.receive(d, via),
        report: (e) => this.report(e),
      });
      void this.relay.start();
    } else {
      this.cancels.push(
        this.demux.on(DatagramKind.Stun, this.rejectAs(Rejection.UnexpectedStun)),
        this.demux.on(DatagramKind.ChannelData, this.rejectAs(Rejection.UnexpectedStun)),
      );
    }
    this.subscriptions.push(
      transport.errors$.subscribe({ next: (e) => this.errorsSubject.next(e) }),
      this.demux.errors$.subscribe({ next: (e) => this.errorsSubject.next(e) }),
    );
    this.armTick();
  }

  /** This node's id (derived from its identity's Ed25519 key). */
  get nodeId(): NodeId {
    return this.identity.nodeId;
  }

  /** The address the transport is bound to. */
  get localAddress(): Endpoint {
    return this.transport.localAddress;
  }

  /**
   * The address of this node's TURN allocation (peers that cannot reach it directly reach it
   * there), once made; undefined without `turnServers`, or before the allocation.
   */
  get relayedAddress(): Endpoint | undefined {
    return this.relay?.relayedAddress;
  }

  /** `running`, `stopping` or `stopped`. */
  get status(): NodeStatus {
    return this.state;
  }

  /** The counters now (a snapshot). */
  counters(): NodeCounters {
    return this.snapshot();
  }

  /**
   * The counters now, then at every tick (changed or not) and once more at stop; completes when
   * the node stops.
   */
  get counters$(): Observable<NodeCounters> {
    // Ticks publish only while someone listens; a new subscriber gets the counters of now.
    return defer(() => {
      if (this.state !== 'stopped') this.countersSubject.next(this.snapshot());
      return this.countersSubject;
    });
  }

  /**
   * Asynchronous failures, as values: the transport's (`SocketError`…), and any exception that is
   * not a named Elara error (a bug; also counted as `UnexpectedError`). Completes on stop.
   */
  get errors$(): Observable<ElaraError | Error> {
    return this.errorsSubject.asObservable();
  }

  /** The sessions this node holds now. */
  sessionIds(): SessionId[] {
    return [...this.sessions.keys()];
  }

  /** The session `id`, if this node holds it. */
  session(id: SessionId): Session | undefined {
    const core = this.sessions.get(id);
    return core === undefined ? undefined : new Session(core);
  }

  /**
   * Runs the event loop until `signal` aborts (then stops the node) or until `stop()` is called
   * elsewhere; resolves once the node has stopped. The loop already runs from `create()`: `run`
   * ties its lifetime to a signal.
   *
   * @example
   * const ac = new AbortController();
   * process.once('SIGINT', () => ac.abort());
   * await node.run(ac.signal);
   */
  run(signal?: AbortSignal): Promise<void> {
    if (signal === undefined) return this.stoppedPromise;
    if (signal.aborted) return this.stop();
    const onAbort = (): void => void this.stop();
    signal.addEventListener('abort', onAbort, { once: true });
    return this.stoppedPromise.then(() => signal.removeEventListener('abort', onAbort));
  }

  /**
   * Stops the node: ends its sessions (erasing channel keys), fails the joins in progress with
   * `ClosedError`, cancels the tick, unsubscribes everything, lets the node's own socket flush
   * what it queued (bounded) and closes it. An injected transport is left open. Idempotent: every
   * call returns the same promise, also a call from a callback the stop itself runs (an
   * observable completing). A socket that fails to close is reported on `errors$`; the node
   * ends `stopped` all the same.
   */
  stop(): Promise<void> {
    if (this.stopping === undefined) {
      // Assigned before any work, so a re-entrant stop() gets this promise, not a second run.
      let begin!: (shutdown: Promise<void>) => void;
      this.stopping = new Promise<void>((resolve) => (begin = resolve));
      begin(this.shutdown());
    }
    return this.stopping;
  }

  /**
   * Creates a session with this node as its first member. `NodeCapacityError` when
   * `limits.maxSessions` are held; `ClosedError` once the node is stopping.
   */
  // eslint-disable-next-line @typescript-eslint/require-await -- errors as rejections, like joins
  async createSession(): Promise<Session> {
    this.checkRunning();
    this.checkSessionRoom();
    let id: SessionId;
    do id = toSessionId(randomU64(this.provider));
    while (id === 0n || this.sessions.has(id) || this.pending.hasSession(id));
    const core = new SessionCore(this.host, id, 'creator', this.identity.publicIdentity());
    this.sessions.set(id, core);
    return new Session(core);
  }

  /**
   * Joins a session with an invite (its text, or one decoded with crypto's `decodeInvite`): runs
   * crypto's handshake with the inviter over the transport, the invite's secret mixed in, and
   * resolves with the session once both sides hold the channel.
   *
   * Rejections: the invite's own errors (`MalformedInviteError`, `InviteSignatureError`,
   * `InviteExpiredError`); `HandshakeTimeoutError` when the inviter does not answer
   * (`limits.initiator`), which is also how its refusals look here: it answers nothing to an
   * invite another identity redeemed (counting `InviteReusedError` itself);
   * {@link NotAdmittedError} when the handshake completed but the inviter did not sign this node
   * in (its `maxPeers` reached, the session gone, or this invite already admitted this node once
   * and it has left since); {@link SessionExistsError}, {@link NodeCapacityError}; `ClosedError`
   * when the node stops; the signal's reason on abort; the error of anything that fails while
   * the session is set up after the handshake.
   */
  joinSession(invite: string | Invite, options: JoinOptions = {}): Promise<Session> {
    return new Promise<Session>((resolve, reject) => {
      this.checkRunning();
      options.signal?.throwIfAborted();
      const now = this.scheduler.now();
      const decoded =
        typeof invite === 'string' ? decodeInvite(this.provider, invite, now) : invite;
      const id = decoded.sessionId;
      if (this.sessions.has(id) || this.pending.hasSession(id)) {
        throw new SessionExistsError(`node: already in session ${id}`);
      }
      this.checkSessionRoom();
      if (decoded.addresses.length === 0) {
        throw new MalformedInviteError('invite: no address to reach the inviter');
      }
      const initiator = new HandshakeInitiator({
        provider: this.provider,
        identity: this.identity,
        invite: decoded,
        timers: this.config.limits.initiator,
      });
      const signal = options.signal;
      const onAbort = (): void => handshake.onFailure(signal?.reason);
      const handshake: PendingHandshake = {
        initiator,
        sessionId: id,
        addresses: decoded.addresses,
        remote: undefined,
        via: undefined,
        onResult: (result, remote, via) => {
          signal?.removeEventListener('abort', onAbort);
          this.pending.remove(handshake);
          let core: SessionCore | undefined;
          try {
            // The inviter founded the session (only founders invite; see Session.invite).
            core = new SessionCore(this.host, id, 'joiner', decoded.inviter, decoded.addresses);
            this.sessions.set(id, core);
            if (!core.attach(result, remote, this.scheduler.now(), via, via !== this.transport)) {
              core.close();
              this.counterBook.failed++;
              reject(new NodeCapacityError('peers', this.config.maxPeers));
              return;
            }
          } catch (e) {
            // Past the handshake nothing else fails this join: end the half-built session here.
            result.sendKey.fill(0);
            result.receiveKey.fill(0);
            core?.close();
            if (this.sessions.get(id) === core) this.sessions.delete(id);
            this.counterBook.failed++;
            reject(asError(e));
            return;
          }
          this.counterBook.completed++;
          const joined = core;
          this.admission(joined, signal).then(
            () => resolve(new Session(joined)),
            (e: unknown) => {
              joined.close();
              reject(asError(e));
            },
          );
        },
        onFailure: (error) => {
          signal?.removeEventListener('abort', onAbort);
          if (!this.pending.remove(handshake)) return;
          initiator.dispose();
          this.counterBook.failed++;
          reject(asError(error));
        },
      };
      this.pending.add(handshake);
      this.counterBook.initiated++;
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        this.sendInit(initiator.start(now), decoded.addresses, false);
      } catch (e) {
        handshake.onFailure(e);
      }
    });
  }

  // The per-datagram path -------------------------------------------------------------------

  private readonly onFrame = (d: Datagram): void => this.receive(d, this.transport);

  /** One Elara datagram, from the node's socket or (`via`) the relay. */
  private receive(d: Datagram, via: Transport): void {
    this.counterBook.datagramsIn++;
    this.counterBook.bytesIn += d.data.length;
    try {
      if (via !== this.transport && classifyDatagram(d.data) !== DatagramKind.ElaraV1) {
        this.counterBook.reject(Rejection.UnknownDatagram);
      } else if (isHandshakeDatagram(d.data)) this.receiveHandshake(d, via);
      else {
        const header = decodeHeaderV1(d.data);
        const session = this.sessions.get(header.sessionId);
        if (session === undefined) this.counterBook.reject(Rejection.UnknownSession);
        else session.receive(d, header, via === this.transport);
      }
    } catch (e) {
      this.reject(e);
    }
  }

  private receiveHandshake(d: Datagram, via: Transport): void {
    const route = routeHandshake(d.data);
    const now = this.scheduler.now();
    if (route.toResponder) {
      const step = this.responder.receive(d.data, d.from, now);
      if (step.reply !== undefined) this.sender.sendRaw(step.reply, d.from, via);
      if (step.result !== undefined) this.accepted(step.result, d.from, now, via);
      return;
    }
    const handshake = this.pending.byHandshakeId(route.handshakeId);
    if (handshake === undefined) {
      this.counterBook.reject(Rejection.UnknownHandshake);
      return;
    }
    if (answered(route.type, handshake.initiator.status)) {
      // Our Init went to every address of the invite (and again on each retry): a
      // wildcard-bound inviter answers each copy that reaches it. The initiator would refuse
      // these as unexpected; they are the expected echo of our own copies.
      this.counterBook.reject(Rejection.DuplicateHandshakeAnswer);
      return;
    }
    let step;
    try {
      step = handshake.initiator.receive(d.data, now);
    } catch (e) {
      // A refusal that ends the handshake (this node's own `authorize` refusing the peer of a
      // member dial) fails it; the others (forgeries, replays) leave it waiting for the genuine
      // answer. An inviter's refusals never arrive: it answers nothing.
      if (handshake.initiator.status === 'failed') handshake.onFailure(e);
      throw e;
    }
    handshake.remote = d.from;
    handshake.via = via;
    for (const out of step.send) this.sender.sendRaw(out, d.from, via);
    if (step.result !== undefined) handshake.onResult(step.result, d.from, via);
  }

  /** The responder completed a handshake: attach the channel to its session. */
  private accepted(result: HandshakeResult, from: Endpoint, now: number, via: Transport): void {
    const session = this.sessions.get(result.sessionId);
    if (session === undefined) {
      result.sendKey.fill(0);
      result.receiveKey.fill(0);
      this.counterBook.reject(Rejection.SessionGone);
      return;
    }
    // An invited joiner is signed into the membership log before its channel is attached, and
    // only if that channel will fit.
    const full = !session.hasLink(result.peer.nodeId) && this.peerCount() >= this.config.maxPeers;
    if (full) this.counterBook.reject(Rejection.PeerLimit);
    if (
      full ||
      (result.admittedBy === 'invite' && !session.admit(result.peer, from, result.inviteId))
    ) {
      result.sendKey.fill(0);
      result.receiveKey.fill(0);
      return;
    }
    if (session.attach(result, from, now, via, via !== this.transport)) {
      this.counterBook.accepted++;
    }
  }

  /**
   * A joiner holds a channel: wait until the inviter's entry admitting it arrives (it is
   * pushed at once and repaired if lost), `peerTimeoutUs` at most; then until a member's digest
   * was heard and this node holds its own earlier events up to it (`SessionCore.ownHistory`: an
   * identity that comes back must not reuse their seqs); then until its τs has made
   * its one join step onto the session's time (clock sync), at most twice `joinDeadlineUs`, so
   * the application's first event is stamped on the session's clock.
   */
  private async admission(core: SessionCore, signal: AbortSignal | undefined): Promise<void> {
    await this.admissionOnly(core, signal);
    signal?.throwIfAborted();
    await new Promise<void>((resolve, reject) => {
      const onAbort = (): void =>
        reject(asError(signal?.reason ?? new ClosedError('join aborted')));
      signal?.addEventListener('abort', onAbort, { once: true });
      core
        .ownHistory(this.config.peerTimeoutUs)
        .then(resolve, (e: unknown) => reject(asError(e)))
        .finally(() => signal?.removeEventListener('abort', onAbort));
    });
    signal?.throwIfAborted();
    await core.aligned(this.scheduler.now() + 2 * this.config.timeSync.joinDeadlineUs);
    signal?.throwIfAborted();
    if (core.closed) throw new ClosedError('session: ended during the join');
  }

  private admissionOnly(core: SessionCore, signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const done = (error?: unknown): void => {
        cancel();
        signal?.removeEventListener('abort', onAbort);
        if (error === undefined) resolve();
        else reject(asError(error));
      };
      const onAbort = (): void => done(signal?.reason ?? new ClosedError('join aborted'));
      const cancel = this.scheduler.at(this.scheduler.now() + this.config.peerTimeoutUs, () =>
        done(
          new NotAdmittedError('join: the inviter did not sign this node into the session in time'),
        ),
      );
      signal?.addEventListener('abort', onAbort, { once: true });
      core.admitted().then(() => done(), done);
    });
  }

  /** Crypto's `authorize`: a member of a session this node holds, with room for its channel. */
  private authorize(peer: PublicIdentity, session: SessionId): boolean {
    const s = this.sessions.get(session);
    return (
      s !== undefined &&
      s.isMember(peer.nodeId) &&
      (s.hasLink(peer.nodeId) || this.peerCount() < this.config.maxPeers)
    );
  }

  // The tick ----------------------------------------------------------------------------------

  private armTick(): void {
    this.cancelTick = this.scheduler.at(
      this.scheduler.now() + this.config.tickIntervalUs,
      this.tick,
    );
  }

  private readonly tick = (): void => {
    this.cancelTick = undefined;
    if (this.state !== 'running') return;
    const now = this.scheduler.now();
    this.counterBook.ticks++;
    this.guarded(() => this.responder.expire(now));
    for (const handshake of this.pending.all()) this.guarded(() => this.retry(handshake, now));
    for (const session of [...this.sessions.values()]) {
      this.guarded(() => session.tick(now));
      this.guarded(() => {
        for (const target of session.dials(now)) this.dial(session, target, now);
      });
    }
    if (this.countersSubject.observed) this.countersSubject.next(this.snapshot());
    this.armTick();
  };

  /** Runs one part of the tick; a failure is reported and the other parts still run. */
  private guarded(part: () => void): void {
    try {
      part();
    } catch (e) {
      this.report(e);
    }
  }

  /**
   * Opens a channel to another member of `session`: crypto's member-mode handshake, the peer's
   * keys pinned from the membership log and both sides authorised by it. Skipped while the
   * pending table is full (the dialer asks again).
   */
  private dial(session: SessionCore, target: DialTarget, now: number): void {
    if (this.pending.size >= this.config.limits.maxPendingHandshakes) return;
    const member = target.member;
    const initiator = new HandshakeInitiator({
      provider: this.provider,
      identity: this.identity,
      sessionId: session.sessionId,
      peer: {
        nodeId: member.id,
        signingPublicKey: member.signingPublicKey,
        agreementPublicKey: member.agreementPublicKey,
      },
      authorize: (peer, id) => this.authorize(peer, id),
      timers: this.config.limits.initiator,
    });
    const handshake: PendingHandshake = {
      initiator,
      sessionId: session.sessionId,
      addresses: target.addresses,
      remote: undefined,
      via: undefined,
      onResult: (result, remote, via) => {
        this.pending.remove(handshake);
        session.dialEnded(member.id, this.scheduler.now());
        this.counterBook.completed++;
        session.attach(result, remote, this.scheduler.now(), via, via !== this.transport);
      },
      onFailure: () => {
        if (!this.pending.remove(handshake)) return;
        initiator.dispose();
        this.counterBook.failed++;
        session.dialEnded(member.id, this.scheduler.now());
      },
    };
    this.pending.add(handshake);
    this.counterBook.initiated++;
    session.dialStarted(member.id);
    try {
      this.sendInit(initiator.start(now), target.addresses, false);
    } catch (e) {
      handshake.onFailure(e);
    }
  }

  /**
   * Sends a handshake's Init to each of `addresses` directly and, with `relayed` (an attempt
   * after one that found no answer), through the relay too where it has a permission, asking
   * for the permissions it lacks so the next attempt has them. A first attempt asks for none: a
   * permission lets the peer's own dials in through the relay, and a peer that answers directly
   * should keep a direct channel.
   */
  private sendInit(
    datagrams: Uint8Array | readonly Uint8Array[],
    addresses: readonly Endpoint[],
    relayed: boolean,
  ): void {
    const list = datagrams instanceof Uint8Array ? [datagrams] : datagrams;
    for (const address of addresses) {
      for (const datagram of list) this.sender.sendRaw(datagram, address);
      const relay = relayed ? this.relay?.reach(address) : undefined;
      if (relay !== undefined) {
        for (const datagram of list) this.sender.sendRaw(datagram, address, relay);
      }
    }
  }

  private retry(handshake: PendingHandshake, now: number): void {
    const deadline = handshake.initiator.deadline;
    if (deadline === undefined || now < deadline) return;
    let out: readonly Uint8Array[];
    try {
      out = handshake.initiator.tick(now);
    } catch (e) {
      handshake.onFailure(e);
      return;
    }
    const remote = handshake.remote;
    if (remote === undefined) this.sendInit(out, handshake.addresses, true);
    else for (const datagram of out) this.sender.sendRaw(datagram, remote, handshake.via);
  }

  // Lifecycle and bookkeeping -----------------------------------------------------------------

  private async shutdown(): Promise<void> {
    this.state = 'stopping';
    try {
      this.cancelTick?.();
      this.cancelTick = undefined;
      for (const handshake of this.pending.all()) {
        handshake.onFailure(new ClosedError('node: stopped during the handshake'));
      }
      for (const session of [...this.sessions.values()]) session.leave(false);
      for (const cancel of this.cancels.splice(0)) cancel();
      // The allocation is released while the socket can still say so.
      await this.relay?.close();
      this.demux.close();
      if (this.config.transport === undefined) {
        try {
          await this.drainBriefly();
          await this.transport.close();
        } catch (e) {
          this.report(e);
        }
      }
    } finally {
      // Whatever failed above, the node ends stopped: run() resolves, the observables complete.
      for (const s of this.subscriptions.splice(0)) s.unsubscribe();
      this.responder.dispose();
      this.invites.dispose();
      this.countersSubject.next(this.snapshot());
      this.countersSubject.complete();
      this.errorsSubject.complete();
      if (this.ownsIdentity) this.identity.dispose();
      this.state = 'stopped';
      this.resolveStopped();
    }
  }

  private async drainBriefly(): Promise<void> {
    if (this.transport.queuedDatagrams === 0) return;
    const abort = new AbortController();
    const cancel = this.scheduler.at(this.scheduler.now() + DRAIN_ON_STOP_US, () => abort.abort());
    try {
      await this.transport.drained(abort.signal);
    } catch {
      // Timed out or closed: the transport counts what it drops on close.
    } finally {
      cancel();
    }
  }

  private checkRunning(): void {
    if (this.state !== 'running') throw new ClosedError(`node: ${this.state}`);
  }

  private checkSessionRoom(): void {
    const max = this.config.limits.maxSessions;
    if (this.sessions.size + this.pending.size >= max) throw new NodeCapacityError('sessions', max);
  }

  private peerCount(): number {
    let n = 0;
    for (const s of this.sessions.values()) n += s.peerCount;
    return n;
  }

  private rejectAs(name: Rejection): (d: Datagram) => void {
    return (d) => {
      this.counterBook.datagramsIn++;
      this.counterBook.bytesIn += d.data.length;
      this.counterBook.reject(name);
    };
  }

  private reject(error: unknown): void {
    const name = rejectionName(error);
    this.counterBook.reject(name);
    if (name === Rejection.UnexpectedError) this.report(error);
  }

  private report(error: unknown): void {
    this.errorsSubject.next(error instanceof Error ? error : new Error(String(error)));
  }

  private snapshot(): NodeCounters {
    let peers = 0;
    let messages = 0;
    let bytes = 0;
    let held = 0;
    let heldBytes = 0;
    for (const s of this.sessions.values()) {
      peers += s.peerCount;
      const r = s.reassembly;
      messages += r.messages;
      bytes += r.bytes;
      const q = s.quarantine;
      held += q.events;
      heldBytes += q.bytes;
    }
    return this.counterBook.snapshot({
      pending: this.pending.size,
      sessions: this.sessions.size,
      peers,
      quarantine: { events: held, bytes: heldBytes },
      reassembly: { messages, bytes },
    });
  }
}

function randomU64(provider: CryptoProvider): bigint {
  const b = provider.randomBytes(8);
  return new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true);
}

function identityOf(config: ResolvedNodeConfig, provider: CryptoProvider): Identity {
  let identity: Identity;
  if (config.identity instanceof Identity) identity = config.identity;
  else if (config.identity instanceof Uint8Array) {
    try {
      identity = Identity.import(provider, config.identity);
    } catch (e) {
      throw new NodeConfigError('identity', (e as Error).message, { cause: e });
    }
  } else identity = Identity.generate(provider);
  if (config.nodeId !== undefined && config.nodeId !== identity.nodeId) {
    if (!(config.identity instanceof Identity)) identity.dispose();
    throw new NodeConfigError(
      'nodeId',
      `${config.nodeId} is not the identity's (${identity.nodeId})`,
    );
  }
  return identity;
}

/**
 * True when a handshake answer of `type` answers a step the initiator has already passed (a
 * Retry once it awaits the Response, a Response once it awaits the Accept): a duplicate.
 */
function answered(type: HandshakeMessageType, status: InitiatorStatus): boolean {
  return (
    (type === HandshakeMessageType.Retry &&
      (status === 'awaiting-response' || status === 'awaiting-accept')) ||
    (type === HandshakeMessageType.Response && status === 'awaiting-accept')
  );
}

/** A rejection reason as an Error: abort reasons may be anything. */
function asError(reason: unknown): Error {
  return reason instanceof Error ? reason : new ClosedError('node: join abandoned');
}

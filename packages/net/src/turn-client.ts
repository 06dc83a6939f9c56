import {
  OutOfRangeError,
  endpointEquals,
  endpointKey,
  type Cancel,
  type Datagram,
  type ElaraError,
  type Endpoint,
} from '@elara/core';
import { BehaviorSubject, Subject, type Observable } from 'rxjs';
import {
  CHANNEL_NUMBER_MAX,
  CHANNEL_NUMBER_MIN,
  decodeChannelData,
  encodeChannelData,
} from './channel-data.ts';
import { CHANNEL_DATA_HEADER_BYTES, DatagramKind } from './datagram-kind.ts';
import type { Demultiplexer } from './demultiplexer.ts';
import { InvalidDestinationError, TransportClosedError } from './net-errors.ts';
import {
  REQUESTED_TRANSPORT_UDP,
  decodeStunAddress,
  decodeStunErrorCode,
  decodeStunText,
  decodeStunU32,
  encodeStunAddress,
  encodeStunChannelNumber,
  encodeStunText,
  encodeStunU32,
} from './stun-attributes.ts';
import type {
  StunAttributes,
  StunClient,
  StunResponse,
  StunRetransmission,
} from './stun-client.ts';
import { StunAttr, StunErrorCode, StunMethod } from './stun-constants.ts';
import { StunErrorResponseError, StunFormatError } from './stun-errors.ts';
import { longTermKey } from './stun-integrity.ts';
import { stunAttribute, type StunAttribute, type StunMessage } from './stun-message.ts';
import type { SendResult } from './transport.ts';
import {
  TurnAllocationExpiredError,
  TurnAllocationMismatchError,
  TurnAuthenticationError,
  TurnPermissionExpiredError,
  TurnQuotaError,
} from './turn-errors.ts';

/**
 * Options of {@link TurnClient.allocate}.
 *
 * @example
 * const turn = await TurnClient.allocate({
 *   stun, // the StunClient of the shared socket
 *   demux,
 *   server: await resolveStunServer('turn.example.org:3478'),
 *   username: 'alice',
 *   password: secret,
 *   lifetimeS: 300,
 * });
 */
export interface TurnClientOptions {
  /** The STUN client of the shared socket: TURN control messages are its transactions. */
  readonly stun: StunClient;
  /** The same socket's demultiplexer (ChannelData arrives through it). */
  readonly demux: Demultiplexer;
  /** The TURN server (an IP literal endpoint; resolve names first, see `resolveStunServer`). */
  readonly server: Endpoint;
  /** Long-term credentials (RFC 8489 §9.2). */
  readonly username: string;
  readonly password: string;
  /**
   * Allocation lifetime to ask for, whole seconds (at least {@link TURN_MIN_LIFETIME_S}); the
   * server may grant less. Default 600.
   */
  readonly lifetimeS?: number;
  /** Refresh the allocation, permissions and channels before they expire. Default true. */
  readonly autoRefresh?: boolean;
  /** Permission lifetime the server applies, seconds (RFC 8656: 300). Refreshed at 80 %. */
  readonly permissionLifetimeS?: number;
  /** Channel binding lifetime the server applies, seconds (RFC 8656: 600). Refreshed at 80 %. */
  readonly channelLifetimeS?: number;
  /** Peers (permissions and channels) at most. Default 256. */
  readonly maxPeers?: number;
  /** Retransmission of TURN requests (defaults: the STUN client's). */
  readonly retransmission?: StunRetransmission;
  /** Aborts the allocation (not the allocation once made: `close()` releases that). */
  readonly signal?: AbortSignal;
}

/** Per-operation options of {@link TurnClient}'s requests. */
export interface TurnOperationOptions {
  /** Aborts this operation: it rejects with the signal's reason. */
  readonly signal?: AbortSignal;
}

/**
 * The shortest allocation lifetime we believe, seconds. A server's LIFETIME is clamped to at
 * least this (a grant of 0 would otherwise end the allocation at once, and a refresh needs some
 * time to run) and at most what we asked for (0xffffffff would otherwise postpone refreshes for
 * 136 years). A server that really grants less answers our early refresh with 437, which ends
 * the allocation visibly.
 */
export const TURN_MIN_LIFETIME_S = 1;
/** The longest lifetime one may ask for: LIFETIME is a 32-bit count of seconds. */
const MAX_LIFETIME_S = 0xffffffff;

/** Where an allocation stands. */
export type TurnState = 'allocated' | 'expired' | 'closed';

/** Counters of a {@link TurnClient}. */
export interface TurnClientCounters {
  refreshes: number;
  /** Failed refreshes of the allocation, permissions and channels (each attempt). */
  refreshFailures: number;
  /** Retries scheduled after a failed refresh (with backoff, until the deadline). */
  refreshRetries: number;
  permissionsCreated: number;
  /** Permissions and channels forgotten because their refreshes kept failing. */
  permissionsLost: number;
  channelsBound: number;
  /** 438 answers that made us retry with a fresh nonce. */
  staleNonces: number;
  sentChannelData: number;
  sentSendIndications: number;
  receivedChannelData: number;
  receivedDataIndications: number;
  /** Relayed data from a peer we gave no permission or channel (dropped). */
  unsolicited: number;
  /** TURN traffic from another address than our server (dropped). */
  foreign: number;
  /** ChannelData or Data indications that do not decode (dropped). */
  malformed: number;
}

/** Receives relayed data: `data` is valid during the call only; `from` is the peer's address. */
export type TurnDataHandler = (data: Uint8Array, from: Endpoint, receivedAt: number) => void;

interface Peer {
  readonly key: string;
  readonly endpoint: Endpoint;
  /** Reserved before the ChannelBind goes out, so concurrent binds never share a number. */
  readonly channel: number;
  /** The server confirmed the binding: only then is data sent as ChannelData. */
  bound: boolean;
  /** When the server forgets the binding unless refreshed, µs on the scheduler. */
  expiresAt: number;
  timer: Cancel | undefined;
}

interface Permission {
  /** When the server forgets the permission unless refreshed, µs on the scheduler. */
  expiresAt: number;
  timer: Cancel | undefined;
}

interface Auth {
  realm: string;
  nonce: string;
  key: Uint8Array;
}

/** Username and password, kept out of sight (see `#credentials`). */
interface Credentials {
  readonly username: string;
  readonly password: string;
}

const DEFAULT_LIFETIME_S = 600;
const DEFAULT_PERMISSION_LIFETIME_S = 300;
const DEFAULT_CHANNEL_LIFETIME_S = 600;
const MAX_NONCE_RETRIES = 3;
/** First retry after a failed refresh, µs (less for short lifetimes); doubles each time. */
const RETRY_BASE_US = 1_000_000;

function mapError(code: number, reason: string, server: Endpoint): StunErrorResponseError {
  if (code === StunErrorCode.Unauthorized || code === StunErrorCode.WrongCredentials)
    return new TurnAuthenticationError(code, reason, server);
  if (code === StunErrorCode.AllocationQuotaReached)
    return new TurnQuotaError(code, reason, server);
  if (code === StunErrorCode.AllocationMismatch)
    return new TurnAllocationMismatchError(code, reason, server);
  return new StunErrorResponseError(code, reason, server);
}

function errorOf(m: StunMessage): { code: number; reason: string } {
  const value = stunAttribute(m, StunAttr.ErrorCode);
  if (value === undefined) throw new StunFormatError('TURN: error response without ERROR-CODE');
  return decodeStunErrorCode(value);
}

function checkLifetime(name: string, s: number): number {
  if (!Number.isInteger(s) || s < TURN_MIN_LIFETIME_S || s > MAX_LIFETIME_S)
    throw new OutOfRangeError(
      `${name} must be a whole number of seconds in ${TURN_MIN_LIFETIME_S}..${MAX_LIFETIME_S}, got ${s}`,
    );
  return s;
}

/** The lifetime we act on: the server's LIFETIME clamped to [TURN_MIN_LIFETIME_S, asked]. */
function grantedLifetime(m: StunMessage, askedS: number): number {
  const value = stunAttribute(m, StunAttr.Lifetime);
  const granted = value === undefined ? askedS : decodeStunU32(value);
  return Math.min(askedS, Math.max(TURN_MIN_LIFETIME_S, granted));
}

/**
 * A TURN client (RFC 8656) over UDP with long-term credentials, on the socket the application
 * uses: it allocates a relayed address, refreshes it, creates permissions, binds channels, and
 * sends and receives relayed data (Send/Data indications, ChannelData). The relay carries
 * whatever bytes it is given: Elara sends ciphertext, so the relay sees ciphertext only.
 *
 * Bad input is counted, never thrown: traffic from other addresses, data from peers without a
 * permission, undecodable ChannelData. Errors after `allocate()` resolves arrive as values on
 * `errors$`: `TurnAllocationExpiredError` (the allocation ended, `state$` says `expired`) and
 * `TurnPermissionExpiredError` (a permission or channel could not be refreshed in time and was
 * forgotten). Failed refreshes are retried with backoff until the deadline. After `close()` (or
 * expiry) every operation is refused with a named error, and nothing of the client's stays
 * scheduled. The password and the long-term key are private fields, out of `inspect()`.
 *
 * @example
 * const turn = await TurnClient.allocate({ stun, demux, server, username, password });
 * turn.onData((data, from) => console.log(data.byteLength, 'bytes from', from));
 * await turn.bindChannel(peer);
 * turn.send(ciphertext, peer);
 * await turn.close();
 */
export class TurnClient {
  readonly counters: TurnClientCounters = {
    refreshes: 0,
    refreshFailures: 0,
    refreshRetries: 0,
    permissionsCreated: 0,
    permissionsLost: 0,
    channelsBound: 0,
    staleNonces: 0,
    sentChannelData: 0,
    sentSendIndications: 0,
    receivedChannelData: 0,
    receivedDataIndications: 0,
    unsolicited: 0,
    foreign: 0,
    malformed: 0,
  };
  /** Asynchronous failures (the allocation, a permission or a channel ended). Completes on close. */
  readonly errors$: Observable<ElaraError>;
  /** The allocation's state, current value first. Completes on close. */
  readonly state$: Observable<TurnState>;
  readonly server: Endpoint;
  /** The STUN client (and through it the carrier transport) this allocation uses. */
  readonly stunClient: StunClient;
  // Private fields (not `private`): util.inspect and console.log show ordinary properties, and
  // these would hand the password and the key to any log line that prints the client.
  readonly #credentials: Credentials;
  readonly #auth: Auth;
  /** Aborted on close: transactions still in flight stop, so none outlives the client. */
  readonly #life = new AbortController();
  private readonly stun: StunClient;
  private readonly options: Omit<TurnClientOptions, 'password'>;
  private readonly askedLifetimeS: number;
  private readonly stateSubject = new BehaviorSubject<TurnState>('allocated');
  private readonly errorSubject = new Subject<ElaraError>();
  private readonly permissions = new Map<string, Permission>();
  private readonly peers = new Map<string, Peer>();
  private readonly channels = new Map<number, Peer>();
  /** One ChannelBind in flight per peer: a second call for it shares the first's promise. */
  private readonly binding = new Map<string, Promise<number>>();
  private readonly retryTimers = new Set<Cancel>();
  private readonly handlers = new Set<TurnDataHandler>();
  private readonly unregister: Cancel[];
  private nextChannel = CHANNEL_NUMBER_MIN;
  private refreshTimer: Cancel | undefined;
  private expiryTimer: Cancel | undefined;
  private expiresAt = 0;
  private closing: Promise<void> | undefined;
  private scratch: Uint8Array = new Uint8Array(CHANNEL_DATA_HEADER_BYTES + 1500);
  private lifetimeUs: number;

  private constructor(
    options: TurnClientOptions,
    auth: Auth,
    /** Our relayed transport address at the server: what peers send to. */
    readonly relayedAddress: Endpoint,
    /** Our server-reflexive address, as the server saw the Allocate. */
    readonly mappedAddress: Endpoint,
    lifetimeS: number,
    askedLifetimeS: number,
  ) {
    const { password, ...rest } = options;
    this.#credentials = { username: options.username, password };
    this.#auth = auth;
    this.options = rest;
    this.askedLifetimeS = askedLifetimeS;
    this.stun = options.stun;
    this.stunClient = options.stun;
    this.server = options.server;
    this.lifetimeUs = lifetimeS * 1e6;
    this.errors$ = this.errorSubject.asObservable();
    this.state$ = this.stateSubject.asObservable();
    this.unregister = [
      options.demux.on(DatagramKind.ChannelData, this.onChannelData),
      this.stun.onIndication(this.onIndication),
    ];
    this.armTimers();
  }

  /**
   * Allocates a relayed address: answers the server's 401 challenge with the long-term
   * credentials, retries on 438 (stale nonce). Rejects with `TurnAuthenticationError` (wrong
   * credentials), `TurnQuotaError` (486), `StunErrorResponseError` (other codes),
   * `StunTimeoutError`, `StunFormatError` when the answer lacks a relayed address,
   * `OutOfRangeError` for a bad `lifetimeS` or retransmission setting, or the signal's reason.
   * The granted lifetime is clamped to [{@link TURN_MIN_LIFETIME_S}, `lifetimeS`].
   */
  static async allocate(options: TurnClientOptions): Promise<TurnClient> {
    const { stun, server } = options;
    const lifetimeS = checkLifetime('lifetimeS', options.lifetimeS ?? DEFAULT_LIFETIME_S);
    const signal = options.signal === undefined ? {} : { signal: options.signal };
    const base: StunAttribute[] = [
      { type: StunAttr.RequestedTransport, value: REQUESTED_TRANSPORT_UDP },
      { type: StunAttr.Lifetime, value: encodeStunU32(lifetimeS) },
    ];
    const first = await stun.request(server, {
      method: StunMethod.Allocate,
      attributes: base,
      ...options.retransmission,
      ...signal,
    });
    let response = first;
    const auth: Auth = { realm: '', nonce: '', key: new Uint8Array(0) };
    if (first.message.class === 'error') {
      const { code, reason } = errorOf(first.message);
      if (code !== StunErrorCode.Unauthorized) throw mapError(code, reason, server);
      const realm = stunAttribute(first.message, StunAttr.Realm);
      const nonce = stunAttribute(first.message, StunAttr.Nonce);
      if (realm === undefined || nonce === undefined)
        throw new StunFormatError('TURN: 401 without REALM and NONCE');
      auth.realm = decodeStunText(realm);
      auth.nonce = decodeStunText(nonce);
      auth.key = longTermKey(options.username, auth.realm, options.password);
      response = await authenticated(
        stun,
        server,
        options,
        options,
        auth,
        StunMethod.Allocate,
        base,
        {
          staleNonce: () => undefined,
          ...signal,
        },
      );
    }
    const m = response.message;
    const relayed = stunAttribute(m, StunAttr.XorRelayedAddress);
    const mapped = stunAttribute(m, StunAttr.XorMappedAddress);
    if (relayed === undefined || mapped === undefined)
      throw new StunFormatError('TURN: Allocate success without XOR-RELAYED/MAPPED-ADDRESS');
    return new TurnClient(
      options,
      auth,
      decodeStunAddress(relayed, m.transactionId),
      decodeStunAddress(mapped, m.transactionId),
      grantedLifetime(m, lifetimeS),
      lifetimeS,
    );
  }

  /** The allocation's state now. */
  get state(): TurnState {
    return this.stateSubject.value;
  }

  /** The lifetime the server granted at the last Allocate or Refresh (clamped), seconds. */
  get lifetimeS(): number {
    return this.lifetimeUs / 1e6;
  }

  /**
   * Refreshes the allocation now (done automatically before it expires unless `autoRefresh` is
   * false). Rejects like `allocate()`; a 437 means the allocation is gone and ends it. Refused
   * (`TurnAllocationExpiredError`, `TransportClosedError`) unless the allocation is live: a
   * Refresh from our 5-tuple after expiry could otherwise make the server allocate anew.
   */
  async refresh(
    lifetimeS = this.askedLifetimeS,
    options: TurnOperationOptions = {},
  ): Promise<void> {
    this.checkLive();
    const asked = checkLifetime('lifetimeS', lifetimeS);
    const r = await this.request(
      StunMethod.Refresh,
      [{ type: StunAttr.Lifetime, value: encodeStunU32(asked) }],
      options.signal,
    );
    this.checkLive();
    this.lifetimeUs = grantedLifetime(r.message, asked) * 1e6;
    this.counters.refreshes++;
    this.armTimers();
  }

  /**
   * Installs (or refreshes) permissions for the peers' IP addresses (RFC 8656 §9): relayed data
   * from those addresses reaches us, and we may send to them. Kept refreshed until close.
   */
  async createPermission(
    peers: readonly Endpoint[],
    options: TurnOperationOptions = {},
  ): Promise<void> {
    this.checkLive();
    this.checkPeers(peers);
    await this.request(
      StunMethod.CreatePermission,
      (id) =>
        peers.map((p) => ({ type: StunAttr.XorPeerAddress, value: encodeStunAddress(p, id) })),
      options.signal,
    );
    // Closed (or expired) while the request was out: arm nothing, claim nothing.
    this.checkLive();
    for (const p of peers) this.keepPermission(p);
    this.counters.permissionsCreated += peers.length;
  }

  /**
   * Binds a channel to `peer` (RFC 8656 §11), which also installs its permission: data to and
   * from it then travels as ChannelData (4 bytes of overhead instead of 36 or more). Returns the
   * channel number; binding an already bound peer refreshes it. Concurrent calls for one peer
   * share one request; concurrent calls for different peers get different channel numbers.
   */
  bindChannel(peer: Endpoint, options: TurnOperationOptions = {}): Promise<number> {
    try {
      this.checkLive();
      const key = endpointKey(peer);
      const inFlight = this.binding.get(key);
      if (inFlight !== undefined) return inFlight;
      let p = this.peers.get(key);
      if (p === undefined) {
        this.checkPeers([peer]);
        // Reserve the number and register the peer now, before the request goes out.
        p = {
          key,
          endpoint: peer,
          channel: this.freeChannel(peer),
          bound: false,
          expiresAt: 0,
          timer: undefined,
        };
        this.peers.set(key, p);
        this.channels.set(p.channel, p);
      }
      const promise = this.bind(p, options.signal).finally(() => this.binding.delete(key));
      this.binding.set(key, promise);
      return promise;
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }

  /** True when data to `peer` can be relayed (a permission for its IP address exists). */
  permits(peer: Endpoint): boolean {
    return this.permissions.has(peer.address);
  }

  /** The channel bound to `peer` (confirmed by the server), if any. */
  channelOf(peer: Endpoint): number | undefined {
    const p = this.peers.get(endpointKey(peer));
    return p?.bound === true ? p.channel : undefined;
  }

  /**
   * Relays `data` to `peer`: as ChannelData when a channel is bound, else in a Send indication.
   * Throws `InvalidDestinationError` when the peer has no permission (or the allocation ended);
   * returns what the carrier transport's `send()` returned.
   */
  send(data: Uint8Array, peer: Endpoint): SendResult {
    if (this.state !== 'allocated')
      throw new InvalidDestinationError(peer, `the allocation is ${this.state}`);
    const p = this.peers.get(endpointKey(peer));
    if (p?.bound === true) {
      if (this.scratch.byteLength < CHANNEL_DATA_HEADER_BYTES + data.byteLength)
        this.scratch = new Uint8Array(CHANNEL_DATA_HEADER_BYTES + data.byteLength);
      this.counters.sentChannelData++;
      return this.stun.transport.send(
        encodeChannelData(p.channel, data, this.scratch),
        this.server,
      );
    }
    if (!this.permits(peer))
      throw new InvalidDestinationError(peer, 'no permission at the relay: permit it first');
    this.counters.sentSendIndications++;
    return this.stun.indicate(this.server, StunMethod.Send, (id) => [
      { type: StunAttr.XorPeerAddress, value: encodeStunAddress(peer, id) },
      { type: StunAttr.Data, value: data },
    ]);
  }

  /** Registers a receiver of relayed data; returns the function that removes it. */
  onData(handler: TurnDataHandler): Cancel {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  /**
   * Releases the allocation (a Refresh with lifetime 0, best effort) and everything the client
   * holds: timers, transactions in flight (they reject with `TransportClosedError`), handlers,
   * subjects. Idempotent: every call returns the same promise. The STUN client and the socket
   * stay open (they are shared).
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    const wasAllocated = this.state === 'allocated';
    this.#life.abort(new TransportClosedError('TURN client'));
    this.stopTimers();
    for (const u of this.unregister) u();
    this.handlers.clear();
    if (wasAllocated && !this.stun.closed) {
      try {
        await authenticated(
          this.stun,
          this.server,
          this.options,
          this.#credentials,
          this.#auth,
          StunMethod.Refresh,
          [{ type: StunAttr.Lifetime, value: encodeStunU32(0) }],
          {
            staleNonce: () => this.counters.staleNonces++,
            retransmission: { maxTransmissions: 2, lastWaitFactor: 2 },
          },
        );
      } catch {
        // Best effort: the server drops the allocation at its lifetime anyway.
      }
    }
    this.stateSubject.next('closed');
    this.stateSubject.complete();
    this.errorSubject.complete();
  }

  /** The allocation is usable: allocated and not closing. */
  private live(): boolean {
    return this.state === 'allocated' && this.closing === undefined;
  }

  /** Throws the named reason the client cannot act: closed, or the allocation expired. */
  private checkLive(): void {
    if (this.closing !== undefined || this.state === 'closed')
      throw new TransportClosedError('TURN client');
    if (this.state === 'expired')
      throw new TurnAllocationExpiredError(this.relayedAddress, 'it ended earlier');
  }

  private checkPeers(peers: readonly Endpoint[]): void {
    for (const p of peers) {
      if (p.family !== this.relayedAddress.family)
        throw new InvalidDestinationError(
          p,
          `the relayed address is ${this.relayedAddress.family}`,
        );
    }
    const max = this.options.maxPeers ?? 256;
    const known = new Set(this.permissions.keys());
    for (const p of this.peers.values()) known.add(p.endpoint.address);
    const fresh = new Set(peers.map((p) => p.address).filter((a) => !known.has(a)));
    if (fresh.size > 0 && known.size + fresh.size > max)
      throw new InvalidDestinationError(peers[0] as Endpoint, `at most ${max} peers`);
  }

  /** A channel number no peer holds, searched round-robin so a released one rests a while. */
  private freeChannel(peer: Endpoint): number {
    const span = CHANNEL_NUMBER_MAX - CHANNEL_NUMBER_MIN + 1;
    for (let i = 0; i < span; i++) {
      const n = CHANNEL_NUMBER_MIN + ((this.nextChannel - CHANNEL_NUMBER_MIN + i) % span);
      if (!this.channels.has(n)) {
        this.nextChannel = n + 1 > CHANNEL_NUMBER_MAX ? CHANNEL_NUMBER_MIN : n + 1;
        return n;
      }
    }
    throw new InvalidDestinationError(peer, 'every channel number is in use');
  }

  private async bind(p: Peer, signal: AbortSignal | undefined): Promise<number> {
    try {
      await this.request(
        StunMethod.ChannelBind,
        (id) => [
          { type: StunAttr.ChannelNumber, value: encodeStunChannelNumber(p.channel) },
          { type: StunAttr.XorPeerAddress, value: encodeStunAddress(p.endpoint, id) },
        ],
        signal,
      );
    } catch (e) {
      // A first bind that failed frees its number; a refresh that failed is retried instead.
      if (!p.bound) this.forgetPeer(p);
      throw e;
    }
    this.checkLive();
    // Forgotten meanwhile (its refreshes gave up): the caller binds it anew if it still wants it.
    if (this.peers.get(p.key) !== p) return p.channel;
    if (!p.bound) {
      p.bound = true;
      this.counters.channelsBound++;
    }
    // A ChannelBind installs or refreshes the peer's permission too (RFC 8656 §12.2).
    this.keepPermission(p.endpoint);
    const lifetime = this.options.channelLifetimeS ?? DEFAULT_CHANNEL_LIFETIME_S;
    const expiresAt = this.stun.scheduler.now() + lifetime * 1e6;
    p.expiresAt = expiresAt;
    p.timer?.();
    p.timer = this.later(lifetime, () => {
      p.timer = undefined;
      this.retrying(
        () => this.bindChannel(p.endpoint),
        expiresAt,
        (e) => {
          if (this.peers.get(p.key) !== p || p.expiresAt !== expiresAt) return;
          this.forgetPeer(p);
          this.lost(p.endpoint, 'channel', e);
        },
      );
    });
    return p.channel;
  }

  private forgetPeer(p: Peer): void {
    if (this.peers.get(p.key) !== p) return;
    p.timer?.();
    p.timer = undefined;
    this.peers.delete(p.key);
    this.channels.delete(p.channel);
  }

  private keepPermission(peer: Endpoint): void {
    if (!this.live()) return;
    const ip = peer.address;
    this.permissions.get(ip)?.timer?.();
    const lifetime = this.options.permissionLifetimeS ?? DEFAULT_PERMISSION_LIFETIME_S;
    const expiresAt = this.stun.scheduler.now() + lifetime * 1e6;
    const entry: Permission = { expiresAt, timer: undefined };
    entry.timer = this.later(lifetime, () => {
      entry.timer = undefined;
      this.retrying(
        () => this.createPermission([peer]),
        expiresAt,
        (e) => {
          // Only if no later success renewed it meanwhile.
          if (this.permissions.get(ip) !== entry) return;
          this.permissions.delete(ip);
          this.lost(peer, 'permission', e);
        },
      );
    });
    this.permissions.set(ip, entry);
  }

  private lost(peer: Endpoint, what: 'permission' | 'channel', cause: unknown): void {
    this.counters.permissionsLost++;
    this.errorSubject.next(new TurnPermissionExpiredError(peer, what, { cause }));
  }

  /**
   * Runs `attempt` (a refresh) and, while it fails with anything but 437, again after a backoff
   * (1 s doubling, at most half the time left; less for short lifetimes) as long as a retry fits
   * before `deadlineUs`. If no attempt succeeded by `deadlineUs` (one may still be in flight: a
   * timeout takes up to 39.5 s), `giveUp` runs then. A 437 ends the allocation at once.
   */
  private retrying(
    attempt: () => Promise<unknown>,
    deadlineUs: number,
    giveUp: (e: unknown) => void,
  ): void {
    const s = this.stun.scheduler;
    const base = Math.min(RETRY_BASE_US, (deadlineUs - s.now()) / 10);
    let lastError: unknown;
    let settled = false;
    const deadline = s.at(deadlineUs, () => {
      this.retryTimers.delete(deadline);
      if (settled || !this.live()) return;
      settled = true;
      giveUp(lastError);
    });
    this.retryTimers.add(deadline);
    const run = (n: number): void => {
      if (settled || !this.live()) return;
      attempt().then(
        () => {
          settled = true;
          deadline();
          this.retryTimers.delete(deadline);
        },
        (e: unknown) => {
          if (settled || !this.live()) return;
          lastError = e;
          this.counters.refreshFailures++;
          if (TurnAllocationMismatchError.isInstance(e)) {
            this.expire('the server dropped it', e);
            return;
          }
          const left = deadlineUs - s.now();
          if (!(base > 0) || left < base) return; // the deadline timer gives up
          this.counters.refreshRetries++;
          const cancel = s.at(s.now() + Math.min(base * 2 ** n, left / 2), () => {
            this.retryTimers.delete(cancel);
            run(n + 1);
          });
          this.retryTimers.add(cancel);
        },
      );
    };
    run(0);
  }

  /** Runs `fn` at 80 % of `lifetimeS` from now, when refreshing is on and the client is live. */
  private later(lifetimeS: number, fn: () => void): Cancel | undefined {
    if (this.options.autoRefresh === false || !this.live()) return undefined;
    const s = this.stun.scheduler;
    return s.at(s.now() + lifetimeS * 0.8e6, fn);
  }

  private armTimers(): void {
    if (!this.live()) return;
    this.refreshTimer?.();
    this.expiryTimer?.();
    this.refreshTimer = undefined;
    const s = this.stun.scheduler;
    const now = s.now();
    const expiresAt = now + this.lifetimeUs;
    this.expiresAt = expiresAt;
    this.expiryTimer = s.at(expiresAt, () => this.expire('its lifetime passed without a refresh'));
    if (this.options.autoRefresh === false) return;
    // Refresh with a margin: a minute before expiry, or a third of short lifetimes.
    const margin = Math.min(60e6, this.lifetimeUs / 3);
    this.refreshTimer = s.at(expiresAt - margin, () => {
      this.refreshTimer = undefined;
      // The expiry timer reports the end if no retry gets through in time.
      this.retrying(
        () => this.refresh(),
        this.expiresAt,
        () => undefined,
      );
    });
  }

  private stopTimers(): void {
    this.refreshTimer?.();
    this.expiryTimer?.();
    this.refreshTimer = this.expiryTimer = undefined;
    for (const cancel of this.retryTimers) cancel();
    this.retryTimers.clear();
    for (const p of this.permissions.values()) p.timer?.();
    for (const p of this.peers.values()) p.timer?.();
    this.permissions.clear();
    this.peers.clear();
    this.channels.clear();
  }

  private expire(reason: string, cause?: unknown): void {
    if (this.state !== 'allocated') return;
    this.stopTimers();
    // A refresh still in flight must not revive, at the server, what we declared ended.
    this.#life.abort(new TurnAllocationExpiredError(this.relayedAddress, reason));
    this.stateSubject.next('expired');
    this.errorSubject.next(
      new TurnAllocationExpiredError(
        this.relayedAddress,
        reason,
        cause === undefined ? undefined : { cause },
      ),
    );
  }

  private request(
    method: number,
    attributes: StunAttributes,
    signal: AbortSignal | undefined,
  ): Promise<StunResponse> {
    const life = this.#life.signal;
    return authenticated(
      this.stun,
      this.server,
      this.options,
      this.#credentials,
      this.#auth,
      method,
      attributes,
      {
        staleNonce: () => this.counters.staleNonces++,
        signal: signal === undefined ? life : AbortSignal.any([life, signal]),
      },
    );
  }

  private readonly onChannelData = (d: Datagram): void => {
    if (!endpointEquals(d.from, this.server)) {
      this.counters.foreign++;
      return;
    }
    let channel: number;
    let data: Uint8Array;
    try {
      ({ channel, data } = decodeChannelData(d.data));
    } catch {
      this.counters.malformed++;
      return;
    }
    const p = this.channels.get(channel);
    if (p === undefined) {
      this.counters.unsolicited++;
      return;
    }
    this.counters.receivedChannelData++;
    for (const h of this.handlers) h(data, p.endpoint, d.receivedAt);
  };

  private readonly onIndication = (m: StunMessage, from: Endpoint, receivedAt: number): void => {
    if (m.method !== StunMethod.Data) return;
    if (!endpointEquals(from, this.server)) {
      this.counters.foreign++;
      return;
    }
    const peerValue = stunAttribute(m, StunAttr.XorPeerAddress);
    const data = stunAttribute(m, StunAttr.Data);
    let peer: Endpoint;
    try {
      if (peerValue === undefined || data === undefined) throw new StunFormatError('Data');
      peer = decodeStunAddress(peerValue, m.transactionId);
    } catch {
      this.counters.malformed++;
      return;
    }
    if (!this.permits(peer)) {
      this.counters.unsolicited++;
      return;
    }
    this.counters.receivedDataIndications++;
    for (const h of this.handlers) h(data, peer, receivedAt);
  };
}

/**
 * One authenticated TURN transaction: USERNAME, REALM, NONCE and MESSAGE-INTEGRITY added; a 438
 * (stale nonce) answer retried with the new nonce; other error responses thrown as named errors.
 */
async function authenticated(
  stun: StunClient,
  server: Endpoint,
  options: Pick<TurnClientOptions, 'retransmission'>,
  credentials: Credentials,
  auth: Auth,
  method: number,
  attributes: StunAttributes,
  hooks: {
    staleNonce: () => void;
    retransmission?: StunRetransmission;
    signal?: AbortSignal;
  },
): Promise<StunResponse> {
  for (let attempt = 0; ; attempt++) {
    const r = await stun.request(server, {
      method,
      attributes: (id) => [
        ...(typeof attributes === 'function' ? attributes(id) : attributes),
        { type: StunAttr.Username, value: encodeStunText(credentials.username) },
        { type: StunAttr.Realm, value: encodeStunText(auth.realm) },
        { type: StunAttr.Nonce, value: encodeStunText(auth.nonce) },
      ],
      integrityKey: auth.key,
      ...options.retransmission,
      ...hooks.retransmission,
      ...(hooks.signal === undefined ? {} : { signal: hooks.signal }),
    });
    if (r.message.class !== 'error') return r;
    const { code, reason } = errorOf(r.message);
    const nonce = stunAttribute(r.message, StunAttr.Nonce);
    if (code === StunErrorCode.StaleNonce && nonce !== undefined && attempt < MAX_NONCE_RETRIES) {
      hooks.staleNonce();
      auth.nonce = decodeStunText(nonce);
      const realm = stunAttribute(r.message, StunAttr.Realm);
      if (realm !== undefined && decodeStunText(realm) !== auth.realm) {
        auth.realm = decodeStunText(realm);
        auth.key = longTermKey(credentials.username, auth.realm, credentials.password);
      }
      continue;
    }
    throw mapError(code, reason, server);
  }
}

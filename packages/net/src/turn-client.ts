import {
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
import { InvalidDestinationError } from './net-errors.ts';
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
  /** Allocation lifetime to ask for, seconds; the server may grant less. Default 600. */
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
}

/** Where an allocation stands. */
export type TurnState = 'allocated' | 'expired' | 'closed';

/** Counters of a {@link TurnClient}. */
export interface TurnClientCounters {
  refreshes: number;
  refreshFailures: number;
  permissionsCreated: number;
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
  readonly endpoint: Endpoint;
  channel: number | undefined;
  timer: Cancel | undefined;
}

const DEFAULT_LIFETIME_S = 600;
const DEFAULT_PERMISSION_LIFETIME_S = 300;
const DEFAULT_CHANNEL_LIFETIME_S = 600;
const MAX_NONCE_RETRIES = 3;

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

/**
 * A TURN client (RFC 8656) over UDP with long-term credentials, on the socket the application
 * uses: it allocates a relayed address, refreshes it, creates permissions, binds channels, and
 * sends and receives relayed data (Send/Data indications, ChannelData). The relay carries
 * whatever bytes it is given: Elara sends ciphertext, so the relay sees ciphertext only.
 *
 * Bad input is counted, never thrown: traffic from other addresses, data from peers without a
 * permission, undecodable ChannelData. Errors after `allocate()` resolves (an allocation that
 * ended) arrive as values on `errors$`, and `state$` says `expired`.
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
    permissionsCreated: 0,
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
  /** Asynchronous failures (the allocation ended). Completes on close. */
  readonly errors$: Observable<ElaraError>;
  /** The allocation's state, current value first. Completes on close. */
  readonly state$: Observable<TurnState>;
  readonly server: Endpoint;
  /** The STUN client (and through it the carrier transport) this allocation uses. */
  readonly stunClient: StunClient;
  private readonly stun: StunClient;
  private readonly options: TurnClientOptions;
  private readonly stateSubject = new BehaviorSubject<TurnState>('allocated');
  private readonly errorSubject = new Subject<ElaraError>();
  private readonly permissions = new Map<string, Cancel | undefined>();
  private readonly peers = new Map<string, Peer>();
  private readonly channels = new Map<number, Peer>();
  private readonly handlers = new Set<TurnDataHandler>();
  private readonly unregister: Cancel[];
  private nextChannel = CHANNEL_NUMBER_MIN;
  private refreshTimer: Cancel | undefined;
  private expiryTimer: Cancel | undefined;
  private closing: Promise<void> | undefined;
  private scratch: Uint8Array = new Uint8Array(CHANNEL_DATA_HEADER_BYTES + 1500);
  private lifetimeUs: number;

  private constructor(
    options: TurnClientOptions,
    private readonly auth: { realm: string; nonce: string; key: Uint8Array },
    /** Our relayed transport address at the server: what peers send to. */
    readonly relayedAddress: Endpoint,
    /** Our server-reflexive address, as the server saw the Allocate. */
    readonly mappedAddress: Endpoint,
    lifetimeS: number,
  ) {
    this.options = options;
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
   * `StunTimeoutError`, or `StunFormatError` when the answer lacks a relayed address.
   */
  static async allocate(options: TurnClientOptions): Promise<TurnClient> {
    const { stun, server } = options;
    const lifetimeS = options.lifetimeS ?? DEFAULT_LIFETIME_S;
    const base: StunAttribute[] = [
      { type: StunAttr.RequestedTransport, value: REQUESTED_TRANSPORT_UDP },
      { type: StunAttr.Lifetime, value: encodeStunU32(lifetimeS) },
    ];
    const first = await stun.request(server, {
      method: StunMethod.Allocate,
      attributes: base,
      ...options.retransmission,
    });
    let response = first;
    const auth: { realm: string; nonce: string; key: Uint8Array } = {
      realm: '',
      nonce: '',
      key: new Uint8Array(0),
    };
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
      response = await authenticated(stun, server, options, auth, StunMethod.Allocate, base, {
        staleNonce: () => undefined,
      });
    }
    const m = response.message;
    const relayed = stunAttribute(m, StunAttr.XorRelayedAddress);
    const mapped = stunAttribute(m, StunAttr.XorMappedAddress);
    const lifetime = stunAttribute(m, StunAttr.Lifetime);
    if (relayed === undefined || mapped === undefined)
      throw new StunFormatError('TURN: Allocate success without XOR-RELAYED/MAPPED-ADDRESS');
    return new TurnClient(
      options,
      auth,
      decodeStunAddress(relayed, m.transactionId),
      decodeStunAddress(mapped, m.transactionId),
      lifetime === undefined ? lifetimeS : decodeStunU32(lifetime),
    );
  }

  /** The allocation's state now. */
  get state(): TurnState {
    return this.stateSubject.value;
  }

  /** The lifetime the server granted at the last Allocate or Refresh, seconds. */
  get lifetimeS(): number {
    return this.lifetimeUs / 1e6;
  }

  /**
   * Refreshes the allocation now (done automatically before it expires unless `autoRefresh` is
   * false). Rejects like `allocate()`; a 437 means the allocation is gone and ends it.
   */
  async refresh(lifetimeS = this.options.lifetimeS ?? DEFAULT_LIFETIME_S): Promise<void> {
    const r = await this.request(StunMethod.Refresh, [
      { type: StunAttr.Lifetime, value: encodeStunU32(lifetimeS) },
    ]);
    const lifetime = stunAttribute(r.message, StunAttr.Lifetime);
    this.lifetimeUs = (lifetime === undefined ? lifetimeS : decodeStunU32(lifetime)) * 1e6;
    this.counters.refreshes++;
    this.armTimers();
  }

  /**
   * Installs (or refreshes) permissions for the peers' IP addresses (RFC 8656 §9): relayed data
   * from those addresses reaches us, and we may send to them. Kept refreshed until close.
   */
  async createPermission(peers: readonly Endpoint[]): Promise<void> {
    this.checkPeers(peers);
    await this.request(StunMethod.CreatePermission, (id) =>
      peers.map((p) => ({ type: StunAttr.XorPeerAddress, value: encodeStunAddress(p, id) })),
    );
    for (const p of peers) this.keepPermission(p);
    this.counters.permissionsCreated += peers.length;
  }

  /**
   * Binds a channel to `peer` (RFC 8656 §11), which also installs its permission: data to and
   * from it then travels as ChannelData (4 bytes of overhead instead of 36 or more). Returns the
   * channel number; binding an already bound peer refreshes it.
   */
  async bindChannel(peer: Endpoint): Promise<number> {
    const key = endpointKey(peer);
    let p = this.peers.get(key);
    if (p === undefined) {
      this.checkPeers([peer]);
      if (this.nextChannel > CHANNEL_NUMBER_MAX)
        throw new InvalidDestinationError(peer, 'every channel number is in use');
      p = { endpoint: peer, channel: undefined, timer: undefined };
    }
    const channel = p.channel ?? this.nextChannel;
    await this.request(StunMethod.ChannelBind, (id) => [
      { type: StunAttr.ChannelNumber, value: encodeStunChannelNumber(channel) },
      { type: StunAttr.XorPeerAddress, value: encodeStunAddress(peer, id) },
    ]);
    if (p.channel === undefined) {
      if (channel === this.nextChannel) this.nextChannel++;
      p.channel = channel;
      this.peers.set(key, p);
      this.channels.set(channel, p);
      this.counters.channelsBound++;
    }
    this.keepPermission(peer);
    p.timer?.();
    p.timer = this.later(this.options.channelLifetimeS ?? DEFAULT_CHANNEL_LIFETIME_S, () => {
      if (this.state === 'allocated') this.bindChannel(peer).catch(this.onRefreshFailure);
    });
    return channel;
  }

  /** True when data to `peer` can be relayed (a permission for its IP address exists). */
  permits(peer: Endpoint): boolean {
    return this.permissions.has(peer.address);
  }

  /** The channel bound to `peer`, if any. */
  channelOf(peer: Endpoint): number | undefined {
    return this.peers.get(endpointKey(peer))?.channel;
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
    if (p?.channel !== undefined) {
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
   * holds: timers, handlers, subjects. Idempotent: every call returns the same promise. The
   * STUN client and the socket stay open (they are shared).
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    const wasAllocated = this.state === 'allocated';
    this.stopTimers();
    for (const u of this.unregister) u();
    this.handlers.clear();
    if (wasAllocated && !this.stun.closed) {
      try {
        await this.request(
          StunMethod.Refresh,
          [{ type: StunAttr.Lifetime, value: encodeStunU32(0) }],
          { maxTransmissions: 2, lastWaitFactor: 2 },
        );
      } catch {
        // Best effort: the server drops the allocation at its lifetime anyway.
      }
    }
    this.stateSubject.next('closed');
    this.stateSubject.complete();
    this.errorSubject.complete();
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
    if (this.permissions.size + peers.length > max && peers.some((p) => !this.permits(p)))
      throw new InvalidDestinationError(peers[0] as Endpoint, `at most ${max} peers`);
  }

  private keepPermission(peer: Endpoint): void {
    const ip = peer.address;
    this.permissions.get(ip)?.();
    const lifetime = this.options.permissionLifetimeS ?? DEFAULT_PERMISSION_LIFETIME_S;
    this.permissions.set(
      ip,
      this.later(lifetime, () => {
        if (this.state === 'allocated') this.createPermission([peer]).catch(this.onRefreshFailure);
      }),
    );
  }

  /** Runs `fn` at 80 % of `lifetimeS` from now, when refreshing is on. */
  private later(lifetimeS: number, fn: () => void): Cancel | undefined {
    if (this.options.autoRefresh === false) return undefined;
    const s = this.stun.scheduler;
    return s.at(s.now() + lifetimeS * 0.8e6, fn);
  }

  private armTimers(): void {
    this.refreshTimer?.();
    this.expiryTimer?.();
    const s = this.stun.scheduler;
    const now = s.now();
    this.expiryTimer = s.at(now + this.lifetimeUs, () =>
      this.expire('its lifetime passed without a refresh'),
    );
    if (this.options.autoRefresh === false) return;
    // Refresh with a margin: a minute before expiry, or a third of short lifetimes.
    const margin = Math.min(60e6, this.lifetimeUs / 3);
    this.refreshTimer = s.at(now + this.lifetimeUs - margin, () => {
      this.refreshTimer = undefined;
      this.refresh().catch(this.onRefreshFailure);
    });
  }

  private stopTimers(): void {
    this.refreshTimer?.();
    this.expiryTimer?.();
    this.refreshTimer = this.expiryTimer = undefined;
    for (const cancel of this.permissions.values()) cancel?.();
    for (const p of this.peers.values()) p.timer?.();
    this.permissions.clear();
    this.peers.clear();
    this.channels.clear();
  }

  private readonly onRefreshFailure = (e: unknown): void => {
    if (this.state !== 'allocated') return;
    this.counters.refreshFailures++;
    // 437: the server no longer knows the allocation. Anything else: the expiry timer decides.
    if (TurnAllocationMismatchError.isInstance(e)) this.expire('the server dropped it', e);
  };

  private expire(reason: string, cause?: unknown): void {
    if (this.state !== 'allocated') return;
    this.stopTimers();
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
    retransmission: StunRetransmission = {},
  ): Promise<StunResponse> {
    return authenticated(this.stun, this.server, this.options, this.auth, method, attributes, {
      staleNonce: () => this.counters.staleNonces++,
      retransmission,
    });
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
  options: TurnClientOptions,
  auth: { realm: string; nonce: string; key: Uint8Array },
  method: number,
  attributes: StunAttributes,
  hooks: { staleNonce: () => void; retransmission?: StunRetransmission },
): Promise<StunResponse> {
  for (let attempt = 0; ; attempt++) {
    const r = await stun.request(server, {
      method,
      attributes: (id) => [
        ...(typeof attributes === 'function' ? attributes(id) : attributes),
        { type: StunAttr.Username, value: encodeStunText(options.username) },
        { type: StunAttr.Realm, value: encodeStunText(auth.realm) },
        { type: StunAttr.Nonce, value: encodeStunText(auth.nonce) },
      ],
      integrityKey: auth.key,
      ...options.retransmission,
      ...hooks.retransmission,
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
        auth.key = longTermKey(options.username, auth.realm, options.password);
      }
      continue;
    }
    throw mapError(code, reason, server);
  }
}

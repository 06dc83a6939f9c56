import {
  OutOfRangeError,
  formatEndpoint,
  endpointEquals,
  randomBytes,
  type Cancel,
  type Datagram,
  type Endpoint,
  type RandomSource,
  type Scheduler,
} from '@elara/core';
import { Subscription } from 'rxjs';
import { DatagramKind } from './datagram-kind.ts';
import type { Demultiplexer } from './demultiplexer.ts';
import { TransportClosedError } from './net-errors.ts';
import { decodeStunAddress, decodeStunErrorCode, encodeStunAddress } from './stun-attributes.ts';
import { mappedAddressOf } from './stun-binding.ts';
import {
  STUN_TRANSACTION_ID_BYTES,
  StunAttr,
  StunErrorCode,
  StunMethod,
} from './stun-constants.ts';
import {
  StunErrorResponseError,
  StunFormatError,
  StunPendingLimitError,
  StunTimeoutError,
} from './stun-errors.ts';
import { verifyFingerprint, verifyIntegrity } from './stun-integrity.ts';
import {
  decodeStunMessage,
  encodeStunMessage,
  stunAttribute,
  type StunAttribute,
  type StunMessage,
} from './stun-message.ts';
import type { SendResult, Transport } from './transport.ts';

/** RFC 8489 §6.2.1 defaults: initial RTO 500 ms, 7 transmissions, last wait 16 × RTO. */
export const STUN_DEFAULT_RTO_US = 500_000;
export const STUN_DEFAULT_MAX_TRANSMISSIONS = 7;
export const STUN_DEFAULT_LAST_WAIT_FACTOR = 16;
/** Default bound on transactions in flight per client. */
export const STUN_DEFAULT_MAX_PENDING = 64;

/** Retransmission settings (RFC 8489 §6.2.1). */
export interface StunRetransmission {
  /** Initial retransmission timeout, µs; doubles after each transmission. Default 500 ms. */
  readonly rtoUs?: number;
  /** Transmissions before giving up (Rc). Default 7. */
  readonly maxTransmissions?: number;
  /** After the last transmission, wait this many initial RTOs (Rm). Default 16. */
  readonly lastWaitFactor?: number;
}

/**
 * Options of {@link StunClient}.
 *
 * @example
 * const stun = new StunClient({
 *   transport: udp,
 *   demux, // new Demultiplexer(udp.datagrams$)
 *   scheduler: realTimeScheduler(systemClock()),
 *   random: secureRandomSource(),
 *   rtoUs: 250_000,
 *   answerBindingRequests: true,
 * });
 */
export interface StunClientOptions extends StunRetransmission {
  /** The socket that also carries the application's traffic. */
  readonly transport: Transport;
  /** The transport's demultiplexer: the client registers its STUN handler there. */
  readonly demux: Demultiplexer;
  readonly scheduler: Scheduler;
  /** Where transaction ids come from (seeded in simulations). */
  readonly random: RandomSource;
  /** Transactions in flight at most; `request()` beyond it rejects. Default 64. */
  readonly maxPending?: number;
  /** Add FINGERPRINT to what we send. Default true. */
  readonly fingerprint?: boolean;
  /**
   * Answer Binding requests from peers with their reflexive address (connectivity checks and
   * keepalives, as `PathSelector` uses). Only requests at least as large as the answer are
   * answered (40 bytes for an IPv4 peer, 52 for IPv6, with FINGERPRINT): anyone can spoof a
   * request's source, and a 28-byte request answered with 52 bytes would make us a 2× reflector.
   * The rest are counted in `requestsTooSmall`. A checker pads its request with
   * {@link bindingCheckPadding} (as `PathSelector` does). Default false.
   */
  readonly answerBindingRequests?: boolean;
}

/**
 * A PADDING attribute (RFC 5780 §7.6) of 24 bytes: with it a Binding request is 56 bytes, at
 * least as large as any answer a peer with `answerBindingRequests` gives (52 bytes at most), so
 * the peer answers it.
 *
 * @example
 * await stun.binding(peer, { attributes: [bindingCheckPadding()] });
 */
export function bindingCheckPadding(): StunAttribute {
  return { type: StunAttr.Padding, value: new Uint8Array(24) };
}

/** One request: a method, its attributes, and how to authenticate and retransmit it. */
export interface StunRequest extends StunRetransmission {
  readonly method: number;
  /**
   * Attributes, or a function of the transaction id that builds them (XOR-PEER-ADDRESS of an
   * IPv6 peer is XORed with the id the client draws).
   */
  readonly attributes?: StunAttributes;
  /** Sign with MESSAGE-INTEGRITY and demand it, valid, on the response (long-term key). */
  readonly integrityKey?: Uint8Array;
  /**
   * Accept the response from any address, not only the one asked (RFC 5780 CHANGE-REQUEST
   * answers come from the server's other address). Default false.
   */
  readonly fromAnyAddress?: boolean;
  readonly signal?: AbortSignal;
}

/** Attributes, or how to build them from the transaction id. */
export type StunAttributes =
  readonly StunAttribute[] | ((transactionId: Uint8Array) => readonly StunAttribute[]);

function attributesFor(a: StunAttributes | undefined, id: Uint8Array): readonly StunAttribute[] {
  return a === undefined ? [] : typeof a === 'function' ? a(id) : a;
}

/** A response (success or error), copied out of the datagram so it can be kept. */
export interface StunResponse {
  readonly message: StunMessage;
  readonly from: Endpoint;
  /** From the first transmission to the response, µs (on the client's scheduler). */
  readonly elapsedUs: number;
  /** Transmissions it took (1 = no retransmission). */
  readonly transmissions: number;
}

/** What a Binding transaction learned. */
export interface BindingResult {
  /** Our address as the server saw it: the server-reflexive address. */
  readonly mapped: Endpoint;
  /** Where the answer came from. */
  readonly from: Endpoint;
  /** RESPONSE-ORIGIN (RFC 5780), when the server sends it. */
  readonly responseOrigin?: Endpoint;
  /** OTHER-ADDRESS (RFC 5780): the server's second address, when it has one. */
  readonly otherAddress?: Endpoint;
  readonly elapsedUs: number;
}

/** Counters of a {@link StunClient}: every STUN datagram it saw lands in exactly one bucket. */
export interface StunClientCounters {
  requests: number;
  transmissions: number;
  retransmissions: number;
  /** Transmissions the transport refused (`'full'`); the next retransmission tries again. */
  sendRefused: number;
  responses: number;
  timeouts: number;
  aborted: number;
  /** `request()` calls refused because `maxPending` transactions were in flight. */
  refusedPending: number;
  /** Datagrams classified STUN that do not decode. */
  malformed: number;
  /** FINGERPRINT present and wrong. */
  badFingerprint: number;
  /** Response to an authenticated request whose MESSAGE-INTEGRITY is absent or wrong. */
  badIntegrity: number;
  /** Responses matching no transaction in flight (late duplicates, spoofs). */
  unmatched: number;
  /** Responses matching a transaction but from another address (spoofs). */
  wrongSource: number;
  /**
   * Responses with a comprehension-required attribute (0x0000-0x7FFF) we do not understand,
   * discarded as RFC 8489 §6.3.3 says (the transaction goes on: a genuine answer may follow).
   */
  unknownRequired: number;
  indications: number;
  /** Binding requests answered (with `answerBindingRequests`). */
  requestsAnswered: number;
  /**
   * Binding requests not answered because they are smaller than the answer would be (so a
   * spoofed source cannot use us to reflect more bytes than it sent).
   */
  requestsTooSmall: number;
  /** Requests we do not serve, dropped. */
  requestsIgnored: number;
}

/** Handler of indications (e.g. TURN Data): `message` is valid during the call only. */
export type StunIndicationHandler = (
  message: StunMessage,
  from: Endpoint,
  receivedAt: number,
) => void;

interface Pending {
  readonly key: string;
  readonly to: Endpoint;
  readonly bytes: Uint8Array;
  readonly method: number;
  readonly integrityKey: Uint8Array | undefined;
  readonly fromAny: boolean;
  readonly rto: number;
  readonly maxTransmissions: number;
  readonly lastWait: number;
  readonly startedAt: number;
  readonly resolve: (r: StunResponse) => void;
  readonly reject: (e: unknown) => void;
  readonly signal: AbortSignal | undefined;
  readonly onAbort: () => void;
  transmissions: number;
  timer: Cancel | undefined;
}

/** The comprehension-required attributes we understand: every one of `StunAttr` below 0x8000. */
const UNDERSTOOD: ReadonlySet<number> = new Set(
  Object.values(StunAttr).filter((t: number) => t < 0x8000),
);

function hexKey(id: Uint8Array): string {
  let s = '';
  for (const b of id) s += b.toString(16).padStart(2, '0');
  return s;
}

function positive(name: string, v: number, integer: boolean): number {
  if (!(Number.isFinite(v) && v > 0) || (integer && !Number.isInteger(v)))
    throw new OutOfRangeError(
      `${name} must be a positive ${integer ? 'integer' : 'number'}, got ${v}`,
    );
  return v;
}

/**
 * A STUN client (RFC 8489) on the socket that carries the application's traffic: it sends
 * through the transport and receives through the transport's demultiplexer, so the address it
 * learns is the one the peers see. Requests are retransmitted with exponential backoff on the
 * injected scheduler; transaction ids come from the injected `RandomSource`; responses are
 * matched by transaction id and source address, their FINGERPRINT and (for authenticated
 * requests) MESSAGE-INTEGRITY checked. Anything else is counted and dropped, never thrown.
 *
 * @example
 * const demux = new Demultiplexer(udp.datagrams$);
 * const stun = new StunClient({ transport: udp, demux, scheduler, random: secureRandomSource() });
 * const { mapped } = await stun.binding(endpoint('192.0.2.10', 3478));
 * stun.close();
 */
export class StunClient {
  readonly counters: StunClientCounters = {
    requests: 0,
    transmissions: 0,
    retransmissions: 0,
    sendRefused: 0,
    responses: 0,
    timeouts: 0,
    aborted: 0,
    refusedPending: 0,
    malformed: 0,
    badFingerprint: 0,
    badIntegrity: 0,
    unmatched: 0,
    wrongSource: 0,
    unknownRequired: 0,
    indications: 0,
    requestsAnswered: 0,
    requestsIgnored: 0,
    requestsTooSmall: 0,
  };
  readonly transport: Transport;
  readonly scheduler: Scheduler;
  private readonly random: RandomSource;
  private readonly pending = new Map<string, Pending>();
  private readonly indicationHandlers = new Set<StunIndicationHandler>();
  private readonly unregister: Cancel;
  private readonly rto: number;
  private readonly maxTransmissions: number;
  private readonly lastWaitFactor: number;
  private readonly maxPending: number;
  private readonly fingerprint: boolean;
  private readonly answer: boolean;
  private isClosed = false;

  constructor(options: StunClientOptions) {
    this.transport = options.transport;
    this.scheduler = options.scheduler;
    this.random = options.random;
    this.rto = positive('rtoUs', options.rtoUs ?? STUN_DEFAULT_RTO_US, false);
    this.maxTransmissions = positive(
      'maxTransmissions',
      options.maxTransmissions ?? STUN_DEFAULT_MAX_TRANSMISSIONS,
      true,
    );
    this.lastWaitFactor = positive(
      'lastWaitFactor',
      options.lastWaitFactor ?? STUN_DEFAULT_LAST_WAIT_FACTOR,
      false,
    );
    this.maxPending = positive('maxPending', options.maxPending ?? STUN_DEFAULT_MAX_PENDING, true);
    this.fingerprint = options.fingerprint ?? true;
    this.answer = options.answerBindingRequests ?? false;
    const offStun = options.demux.on(DatagramKind.Stun, this.receive);
    // The transport's datagrams$ completes when it closes: transactions in flight could never be
    // answered, so they reject now (TransportClosedError) instead of timing out later.
    // A holder first: on a transport closed already, complete runs inside subscribe().
    const watch = new Subscription();
    this.unregister = () => {
      offStun();
      watch.unsubscribe();
    };
    watch.add(this.transport.datagrams$.subscribe({ complete: () => this.close() }));
  }

  /** Transactions in flight. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.isClosed;
  }

  /**
   * Runs one transaction with `to`: resolves with the response (success or error class: TURN
   * reads its error responses), rejects with `StunTimeoutError` after the last retransmission,
   * `StunPendingLimitError` when too many are in flight, the signal's reason on abort,
   * `TransportClosedError` when the client or transport closes, `OutOfRangeError` for a
   * retransmission setting that is not a positive number (`maxTransmissions`: integer), or what
   * `send()` threw.
   */
  request(to: Endpoint, request: StunRequest): Promise<StunResponse> {
    if (this.isClosed) return Promise.reject(new TransportClosedError('STUN client'));
    try {
      // Checked per request too: NaN would make a timer fire at once, or never.
      if (request.rtoUs !== undefined) positive('rtoUs', request.rtoUs, false);
      if (request.maxTransmissions !== undefined)
        positive('maxTransmissions', request.maxTransmissions, true);
      if (request.lastWaitFactor !== undefined)
        positive('lastWaitFactor', request.lastWaitFactor, false);
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
    if (request.signal?.aborted === true) return Promise.reject(request.signal.reason as Error);
    if (this.pending.size >= this.maxPending) {
      this.counters.refusedPending++;
      return Promise.reject(new StunPendingLimitError(this.maxPending));
    }
    let transactionId = randomBytes(this.random, STUN_TRANSACTION_ID_BYTES);
    // A colliding id (only a broken or adversarial RandomSource repeats 96 bits) is redrawn.
    while (this.pending.has(hexKey(transactionId)))
      transactionId = randomBytes(this.random, STUN_TRANSACTION_ID_BYTES);
    const bytes = encodeStunMessage({
      method: request.method,
      class: 'request',
      transactionId,
      attributes: attributesFor(request.attributes, transactionId),
      ...(request.integrityKey === undefined ? {} : { integrityKey: request.integrityKey }),
      fingerprint: this.fingerprint,
    });
    this.counters.requests++;
    return new Promise<StunResponse>((resolve, reject) => {
      const key = hexKey(transactionId);
      const rto = request.rtoUs ?? this.rto;
      const p: Pending = {
        key,
        to,
        bytes,
        method: request.method,
        integrityKey: request.integrityKey,
        fromAny: request.fromAnyAddress ?? false,
        rto,
        maxTransmissions: request.maxTransmissions ?? this.maxTransmissions,
        lastWait: (request.lastWaitFactor ?? this.lastWaitFactor) * rto,
        startedAt: this.scheduler.now(),
        resolve,
        reject,
        signal: request.signal,
        onAbort: () => {
          if (this.finish(p)) {
            this.counters.aborted++;
            reject(p.signal?.reason as Error);
          }
        },
        transmissions: 0,
        timer: undefined,
      };
      this.pending.set(key, p);
      request.signal?.addEventListener('abort', p.onAbort, { once: true });
      this.transmit(p);
    });
  }

  /**
   * A Binding transaction: our server-reflexive address as `server` sees it, plus the RFC 5780
   * attributes when the server has them. Rejects like `request()`, and with
   * `StunErrorResponseError` on an error response or `StunFormatError` when the response has no
   * usable mapped address.
   *
   * @example
   * const { mapped, otherAddress } = await stun.binding(server);
   */
  async binding(
    server: Endpoint,
    options: Omit<StunRequest, 'method'> = {},
  ): Promise<BindingResult> {
    const r = await this.request(server, { ...options, method: StunMethod.Binding });
    const m = r.message;
    throwIfError(m, r.from);
    const mapped = mappedAddressOf(m);
    if (mapped === undefined)
      throw new StunFormatError(`Binding response from ${formatEndpoint(r.from)}: no address`);
    const origin = stunAttribute(m, StunAttr.ResponseOrigin);
    const other = stunAttribute(m, StunAttr.OtherAddress);
    return {
      mapped,
      from: r.from,
      ...(origin === undefined ? {} : { responseOrigin: decodeStunAddress(origin) }),
      ...(other === undefined ? {} : { otherAddress: decodeStunAddress(other) }),
      elapsedUs: r.elapsedUs,
    };
  }

  /** Sends an indication (no response, no retransmission); returns what `send()` returned. */
  indicate(to: Endpoint, method: number, attributes: StunAttributes): SendResult {
    const transactionId = randomBytes(this.random, STUN_TRANSACTION_ID_BYTES);
    const bytes = encodeStunMessage({
      method,
      class: 'indication',
      transactionId,
      attributes: attributesFor(attributes, transactionId),
      fingerprint: this.fingerprint,
    });
    return this.transport.send(bytes, to);
  }

  /** Registers a handler for indications; returns the function that removes it. */
  onIndication(handler: StunIndicationHandler): Cancel {
    this.indicationHandlers.add(handler);
    return () => this.indicationHandlers.delete(handler);
  }

  /**
   * Stops (idempotent): unregisters from the demultiplexer, cancels every timer and rejects the
   * transactions in flight with `TransportClosedError`. The transport stays open (it is shared).
   * Called by itself when the transport closes.
   */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.unregister();
    this.indicationHandlers.clear();
    for (const p of [...this.pending.values()]) {
      this.finish(p);
      p.reject(new TransportClosedError('STUN client'));
    }
  }

  private transmit(p: Pending): void {
    p.transmissions++;
    this.counters.transmissions++;
    if (p.transmissions > 1) this.counters.retransmissions++;
    try {
      if (this.transport.send(p.bytes, p.to) === 'full') this.counters.sendRefused++;
    } catch (e) {
      this.finish(p);
      p.reject(e);
      return;
    }
    const last = p.transmissions >= p.maxTransmissions;
    const wait = last ? p.lastWait : p.rto * 2 ** (p.transmissions - 1);
    p.timer = this.scheduler.at(this.scheduler.now() + wait, () => {
      p.timer = undefined;
      if (!this.pending.has(p.key)) return;
      if (!last) {
        this.transmit(p);
        return;
      }
      this.finish(p);
      this.counters.timeouts++;
      p.reject(new StunTimeoutError(p.to, p.transmissions));
    });
  }

  /** Removes a transaction; false when it was already finished. */
  private finish(p: Pending): boolean {
    if (this.pending.get(p.key) !== p) return false;
    this.pending.delete(p.key);
    p.timer?.();
    p.timer = undefined;
    p.signal?.removeEventListener('abort', p.onAbort);
    return true;
  }

  private readonly receive = (d: Datagram): void => {
    let m: StunMessage;
    try {
      m = decodeStunMessage(d.data);
    } catch {
      this.counters.malformed++;
      return;
    }
    if (m.fingerprintAt >= 0 && !verifyFingerprint(m)) {
      this.counters.badFingerprint++;
      return;
    }
    if (m.class === 'request') {
      this.serve(m, d.from, d.data.byteLength);
      return;
    }
    if (m.class === 'indication') {
      this.counters.indications++;
      for (const h of this.indicationHandlers) h(m, d.from, d.receivedAt);
      return;
    }
    const p = this.pending.get(hexKey(m.transactionId));
    if (p === undefined || p.method !== m.method) {
      this.counters.unmatched++;
      return;
    }
    if (!p.fromAny && !endpointEquals(d.from, p.to)) {
      this.counters.wrongSource++;
      return;
    }
    if (p.integrityKey !== undefined && !this.authentic(m, p.integrityKey)) {
      this.counters.badIntegrity++;
      return;
    }
    if (m.attributes.some((a) => a.type < 0x8000 && !UNDERSTOOD.has(a.type))) {
      this.counters.unknownRequired++;
      return;
    }
    this.finish(p);
    this.counters.responses++;
    // The datagram's buffer is reused after this call: the caller keeps a copy.
    const message = decodeStunMessage(new Uint8Array(d.data));
    p.resolve({
      message,
      from: d.from,
      elapsedUs: this.scheduler.now() - p.startedAt,
      transmissions: p.transmissions,
    });
  };

  // RFC 8489 §9.2.5: a response to an authenticated request must carry valid integrity, except
  // the challenges that tell us to authenticate again (400 without integrity, 401, 438).
  private authentic(m: StunMessage, key: Uint8Array): boolean {
    if (m.integrityAt >= 0) return verifyIntegrity(m, key);
    if (m.class !== 'error') return false;
    const value = stunAttribute(m, StunAttr.ErrorCode);
    if (value === undefined) return false;
    try {
      const { code } = decodeStunErrorCode(value);
      return (
        code === StunErrorCode.BadRequest ||
        code === StunErrorCode.Unauthorized ||
        code === StunErrorCode.StaleNonce
      );
    } catch {
      return false;
    }
  }

  private serve(m: StunMessage, from: Endpoint, requestBytes: number): void {
    if (!this.answer || m.method !== StunMethod.Binding || this.isClosed) {
      this.counters.requestsIgnored++;
      return;
    }
    const response = encodeStunMessage({
      method: StunMethod.Binding,
      class: 'success',
      transactionId: m.transactionId,
      attributes: [
        { type: StunAttr.XorMappedAddress, value: encodeStunAddress(from, m.transactionId) },
      ],
      fingerprint: this.fingerprint,
    });
    // No amplification: a request (whose source may be spoofed) gets an answer no larger than
    // itself. Our own checks carry PADDING to qualify (see bindingCheckPadding).
    if (requestBytes < response.byteLength) {
      this.counters.requestsTooSmall++;
      return;
    }
    this.counters.requestsAnswered++;
    try {
      this.transport.send(response, from);
    } catch {
      // A peer we cannot answer (another family, closed transport) gets no answer.
    }
  }
}

/**
 * Throws `StunErrorResponseError` when `message` is an error response (with its code and reason).
 *
 * @example
 * const r = await stun.request(server, { method: StunMethod.Refresh, ... });
 * throwIfError(r.message, r.from);
 */
export function throwIfError(message: StunMessage, from: Endpoint): void {
  if (message.class !== 'error') return;
  const value = stunAttribute(message, StunAttr.ErrorCode);
  if (value === undefined) throw new StunFormatError('error response without ERROR-CODE');
  const { code, reason } = decodeStunErrorCode(value);
  throw new StunErrorResponseError(code, reason, from);
}

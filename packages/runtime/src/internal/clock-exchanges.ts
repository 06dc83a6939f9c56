import type { Clock, NodeId, TimeSyncRequestMessage, TimeSyncResponseMessage } from '@elara/core';
import { type TokenBucket, takeToken, tokenBucket } from '@elara/state';
import { type ClockSync, type StateClock, SyncVerdict, exchangeDelayUs } from '@elara/time';

/** Our answers whose echo may still come back, per peer (older ones are forgotten). */
const SENT = 8;
/** The peer's answers waiting for ours, per peer: the exchanges in flight at once. */
const PENDING = 4;
/** Requests of a peer's answered at once per slot, sustained (a new exchange each slot, and one more). */
const REQUESTS_PER_SLOT = 2;
/** …and at most this many at once. */
const REQUEST_BURST = 4;
/** Longest a peer's answer waits for ours, µs: an exchange older than this says little. */
const MAX_HOLD_US = 1_000_000;
/** Probe ids have the top bit set, apart from clock sync's own request ids (counted from 1). */
const PROBE_BIT = 0x8000_0000;

/** The time-sync exchanges with one peer. */
interface PeerExchanges {
  /** The peer's answers not yet answered (id, its t3, our local arrival), oldest first. */
  readonly dueIds: Float64Array;
  readonly dueEchoes: Float64Array;
  readonly dueArrivals: Float64Array;
  dueFirst: number;
  dueCount: number;
  /** Our answers (id, the τs we stamped as t3, our local clock when sent), a ring. */
  readonly sentIds: Float64Array;
  readonly sentStamps: Float64Array;
  readonly sentLocal: Float64Array;
  sentNext: number;
  /** When our next message may go (scheduler µs). */
  nextAt: number;
  /** The pace of the peer's requests we answer (a flood is refused, not answered). */
  readonly requests: TokenBucket;
  /** An outstanding probe (a request of ours outside clock sync). */
  probeId: number;
  probeT1: number;
}

/** What a time-sync answer from a peer gave. */
export interface ExchangeOutcome {
  /** The exchange's round trip (its holding times removed), or NaN when it matched nothing. */
  readonly rttUs: number;
  /** `unsolicited` (it answers nothing of ours) or `invalid` (time refused its timestamps). */
  readonly refused: 'unsolicited' | 'invalid' | undefined;
}

const UNSOLICITED: ExchangeOutcome = { rttUs: Number.NaN, refused: 'unsolicited' };
const INVALID: ExchangeOutcome = { rttUs: Number.NaN, refused: 'invalid' };

/**
 * Clock-sync exchanges with the members of one session, paired so that one datagram carries
 * what two did (time's README, "Carrying the timestamps"): each answer of the peer's, besides
 * completing our exchange, is taken as the peer's next request, and our answer to it — a
 * `time-sync-response` echoing the peer's `t3` as its `t1` — completes the peer's. Each direction
 * sends one time-sync message per slot (`intervalUs`, time's request interval): the oldest of the
 * peer's answers waiting for ours (at most 4, held at most 1 s), else a new request (time's own,
 * `ClockSync.request`, answered at once by the peer). So each message gives its receiver one
 * exchange once a few are in flight: as many samples as plain requests and replies, for half the
 * datagrams. Our answers are remembered (a ring of 8 per peer) with our local clock when they
 * left, so the echo of one maps back to `t1` on our clock; time's `PeerSync.addExchange` takes
 * the four values. An answer held until our slot says where our τs was at its arrival, moved on
 * by our local clock (not by a slew made meanwhile), so holding adds no error.
 *
 * Peers not sampled yet (see `SessionCore`) get plain probes instead of time's requests, and
 * their exchanges measure the round trip only.
 */
export class ClockExchanges {
  private readonly peers = new Map<NodeId, PeerExchanges>();
  private probes = 0;
  private lastUpdate = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly sync: ClockSync,
    private readonly stateClock: StateClock,
    private readonly clock: Clock,
    private readonly intervalUs: number,
  ) {}

  /**
   * The time-sync message for `peer` at this slot, if one is due: our answer to the oldest of
   * its answers waiting, or a new request. `sampled`: the peer's exchanges feed clock sync
   * (else probes only).
   */
  next(
    peer: NodeId,
    now: number,
    sampled: boolean,
  ): TimeSyncRequestMessage | TimeSyncResponseMessage | undefined {
    const e = this.entry(peer);
    if (now < e.nextAt) return undefined;
    e.nextAt = now + this.intervalUs;
    const local = this.clock.now();
    // Answers held longer than the window are of no use any more.
    while (e.dueCount > 0 && local - (e.dueArrivals[e.dueFirst] as number) > MAX_HOLD_US) {
      e.dueFirst = (e.dueFirst + 1) % PENDING;
      e.dueCount--;
    }
    if (e.dueCount > 0) {
      const slot = e.dueFirst;
      e.dueFirst = (slot + 1) % PENDING;
      e.dueCount--;
      const id = e.dueIds[slot] as number;
      const echo = e.dueEchoes[slot] as number;
      const arrival = e.dueArrivals[slot] as number;
      // Held until our slot: τs may have been slewed meanwhile (up to 1 %, 2 ms over 200 ms),
      // which the peer would read as a change of offset between the exchange's two legs. So t3
      // is t2 moved on by our local clock's elapsed time: the offset the peer reads is the one
      // at t2, whatever we slewed since.
      const t2 = this.stateClock.project(arrival);
      const t3 = t2 + Math.max(0, local - arrival);
      this.remember(e, id, t3, local);
      return { type: 'time-sync-response', id, t1: echo, t2, t3 };
    }
    // Nothing to answer: a new exchange, so that every slot carries one.
    if (sampled) return this.sync.request(peer, local);
    this.probes = (this.probes + 1) & 0x7fff_ffff;
    e.probeId = (PROBE_BIT | this.probes) >>> 0;
    e.probeT1 = local;
    return { type: 'time-sync-request', id: e.probeId, t1: local };
  }

  /**
   * A peer's request, arrived at local `arrival`: our answer, at once (time's `respond`),
   * remembered so that the peer's answer to it completes an exchange of ours. Undefined beyond
   * two requests per slot (bursts of four): a flood is not answered.
   */
  request(
    peer: NodeId,
    message: TimeSyncRequestMessage,
    arrival: number,
  ): TimeSyncResponseMessage | undefined {
    const e = this.entry(peer);
    const rate = (REQUESTS_PER_SLOT * 1e6) / this.intervalUs;
    if (!takeToken(e.requests, arrival, rate, REQUEST_BURST)) return undefined;
    const answer = this.sync.respond(message, arrival);
    this.remember(e, answer.id, answer.t3, this.clock.now());
    return answer;
  }

  /**
   * A peer's answer, arrived at local `arrival`: it completes one of our exchanges (an answer of
   * ours echoed, our probe, or time's own request) and is answered at our next slot.
   */
  response(
    peer: NodeId,
    message: TimeSyncResponseMessage,
    arrival: number,
    sampled: boolean,
  ): ExchangeOutcome {
    const e = this.entry(peer);
    let t1 = Number.NaN;
    for (let i = 0; i < SENT; i++) {
      if (e.sentIds[i] === message.id && e.sentStamps[i] === message.t1) {
        t1 = e.sentLocal[i] as number;
        e.sentIds[i] = -1;
        break;
      }
    }
    let outcome: ExchangeOutcome;
    if (t1 === t1) {
      const rtt = exchangeDelayUs(t1, message.t2, message.t3, arrival);
      const estimate = sampled ? this.sync.peer(peer) : undefined;
      const verdict =
        estimate === undefined
          ? SyncVerdict.Accepted
          : estimate.addExchange(t1, message.t2, message.t3, arrival, this.stateClock.frequencyPpm);
      outcome = verdict === SyncVerdict.Invalid ? INVALID : { rttUs: rtt, refused: undefined };
    } else if (message.id === e.probeId && message.t1 === e.probeT1) {
      e.probeId = 0;
      outcome = {
        rttUs: exchangeDelayUs(message.t1, message.t2, message.t3, arrival),
        refused: undefined,
      };
    } else {
      const verdict = this.sync.onResponse(peer, message, arrival);
      if (verdict === SyncVerdict.Unsolicited) return UNSOLICITED;
      if (verdict === SyncVerdict.Invalid) return INVALID;
      outcome = {
        rttUs:
          verdict === SyncVerdict.Stale
            ? Number.NaN
            : exchangeDelayUs(message.t1, message.t2, message.t3, arrival),
        refused: undefined,
      };
    }
    if (outcome.refused === undefined) {
      // Full: the oldest waiting exchange gives way.
      if (e.dueCount === PENDING) {
        e.dueFirst = (e.dueFirst + 1) % PENDING;
        e.dueCount--;
      }
      const slot = (e.dueFirst + e.dueCount) % PENDING;
      e.dueIds[slot] = message.id;
      e.dueEchoes[slot] = message.t3;
      e.dueArrivals[slot] = arrival;
      e.dueCount++;
    }
    return outcome;
  }

  /**
   * Runs clock sync's consensus when it is due (its `updateIntervalUs`): the exchanges paired
   * here reach it through `addExchange`, which does not run it.
   */
  update(): void {
    const local = this.clock.now();
    if (local - this.lastUpdate < this.sync.config.updateIntervalUs) return;
    this.lastUpdate = local;
    this.sync.update(local);
  }

  /** `peer` left: its exchanges go. */
  forget(peer: NodeId): void {
    this.peers.delete(peer);
  }

  /** An answer of ours left at local time `local`, stamped `t3`: its echo may come back. */
  private remember(e: PeerExchanges, id: number, t3: number, local: number): void {
    const slot = e.sentNext;
    e.sentIds[slot] = id;
    e.sentStamps[slot] = t3;
    e.sentLocal[slot] = local;
    e.sentNext = (slot + 1) % SENT;
  }

  private entry(peer: NodeId): PeerExchanges {
    let e = this.peers.get(peer);
    if (e === undefined) {
      e = {
        dueIds: new Float64Array(PENDING),
        dueEchoes: new Float64Array(PENDING),
        dueArrivals: new Float64Array(PENDING),
        dueFirst: 0,
        dueCount: 0,
        sentIds: new Float64Array(SENT).fill(-1),
        sentStamps: new Float64Array(SENT),
        sentLocal: new Float64Array(SENT),
        sentNext: 0,
        nextAt: 0,
        requests: tokenBucket(REQUEST_BURST, this.clock.now()),
        probeId: 0,
        probeT1: 0,
      };
      this.peers.set(peer, e);
    }
    return e;
  }
}

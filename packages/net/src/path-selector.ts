import type { Cancel, Endpoint } from '@elara/core';
import { BehaviorSubject, type Observable, type Subscription } from 'rxjs';
import { InvalidDestinationError } from './net-errors.ts';
import { RelayedTransport } from './relayed-transport.ts';
import { bindingCheckPadding, type StunClient, type StunRetransmission } from './stun-client.ts';
import type { SendResult, Transport } from './transport.ts';
import type { TurnState } from './turn-client.ts';

/** A path to one peer: straight over our socket, through a TURN relay, or none that works. */
export type SelectedPath =
  | {
      readonly kind: 'direct';
      readonly transport: Transport;
      readonly remote: Endpoint;
      readonly rttUs: number;
    }
  | { readonly kind: 'relayed'; readonly transport: Transport; readonly remote: Endpoint }
  | { readonly kind: 'none' };

/**
 * Options of {@link PathSelector}.
 *
 * @example
 * const path = new PathSelector({
 *   stun,
 *   peer: peerDirectAddress,
 *   relayed: { transport: relayed, remote: peerRelayedAddress },
 *   checkIntervalUs: 10_000_000,
 * });
 */
export interface PathSelectorOptions {
  /** The STUN client of the direct socket; the peer's answers Binding requests. */
  readonly stun: StunClient;
  /** The peer's direct address (its socket, or its server-reflexive address behind a NAT). */
  readonly peer: Endpoint;
  /**
   * The fallback: a relayed transport and the peer's address as seen through it. `state$` says
   * whether the relay still works (default: the allocation's, for a `RelayedTransport`); once it
   * is anything but `allocated`, the relay is no path any more.
   */
  readonly relayed?: {
    readonly transport: Transport;
    readonly remote: Endpoint;
    readonly state$?: Observable<TurnState>;
  };
  /** Time between connectivity checks (they also keep NAT bindings open), µs. Default 5 s. */
  readonly checkIntervalUs?: number;
  /** Retransmission of one check. Default: 3 transmissions from 200 ms (~1.4 s to fail). */
  readonly check?: StunRetransmission;
}

/** Counters of a {@link PathSelector}. */
export interface PathSelectorCounters {
  checks: number;
  checkFailures: number;
  /** Times the selected path changed. */
  switches: number;
}

/**
 * Chooses how to reach one peer, and says when that changes: it checks the direct path with
 * STUN Binding transactions on the shared socket (the peer's `StunClient` answers them, with
 * `answerBindingRequests`), every `checkIntervalUs`. While a check succeeds the path is direct;
 * when one fails (after its retransmissions) the path falls back to the relay, or to none; the
 * next success brings it back. The checks double as NAT keepalives.
 *
 * It starts on the relay when there is one (it works at once), else on none, and checks
 * straight away.
 *
 * @example
 * const paths = new PathSelector({ stun, peer: bobDirect, relayed: { transport: relayed, remote: bobRelayed } });
 * paths.path$.subscribe((p) => console.log('path to bob:', p.kind));
 * paths.send(sealedFrame);
 * paths.close();
 */
export class PathSelector {
  readonly counters: PathSelectorCounters = { checks: 0, checkFailures: 0, switches: 0 };
  /** The selected path, current value first, then each change. Completes on close. */
  readonly path$: Observable<SelectedPath>;
  private readonly subject: BehaviorSubject<SelectedPath>;
  private timer: Cancel | undefined;
  private readonly abort = new AbortController();
  private isClosed = false;
  private relayAlive: boolean;
  private readonly relayWatch: Subscription | undefined;

  constructor(private readonly options: PathSelectorOptions) {
    const { relayed } = options;
    this.relayAlive = relayed !== undefined;
    this.subject = new BehaviorSubject<SelectedPath>(this.fallback());
    this.path$ = this.subject.asObservable();
    const state$ =
      relayed?.state$ ??
      (relayed?.transport instanceof RelayedTransport ? relayed.transport.turn.state$ : undefined);
    this.relayWatch = state$?.subscribe((state) => {
      if (state === 'allocated' || !this.relayAlive) return;
      // The relay died: without a direct path there is no path at all.
      this.relayAlive = false;
      if (this.subject.value.kind === 'relayed') this.select({ kind: 'none' });
    });
    this.runCheck();
  }

  /** The path in use now. */
  get path(): SelectedPath {
    return this.subject.value;
  }

  /**
   * Sends on the selected path; throws `InvalidDestinationError` when there is none, or what
   * that transport's `send()` throws.
   */
  send(data: Uint8Array): SendResult {
    const p = this.subject.value;
    if (p.kind === 'none')
      throw new InvalidDestinationError(this.options.peer, 'no working path to this peer');
    return p.transport.send(data, p.remote);
  }

  /** Stops checking (idempotent); completes `path$`. Transports stay open (they are shared). */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.timer?.();
    this.timer = undefined;
    this.abort.abort(new Error('path selector closed'));
    this.relayWatch?.unsubscribe();
    this.subject.complete();
  }

  private runCheck(): void {
    const { stun, peer } = this.options;
    this.counters.checks++;
    stun
      .binding(peer, {
        rtoUs: 200_000,
        maxTransmissions: 3,
        lastWaitFactor: 3,
        ...this.options.check,
        // The peer answers only requests at least as large as its answer.
        attributes: [bindingCheckPadding()],
        signal: this.abort.signal,
      })
      .then(
        (r) =>
          this.select({
            kind: 'direct',
            transport: stun.transport,
            remote: peer,
            rttUs: r.elapsedUs,
          }),
        () => {
          if (this.isClosed) return;
          this.counters.checkFailures++;
          this.select(this.fallback());
        },
      )
      .finally(() => {
        // A closed STUN client can check nothing any more: stop rather than spin on rejections.
        if (this.isClosed || stun.closed) return;
        const s = stun.scheduler;
        this.timer = s.at(s.now() + (this.options.checkIntervalUs ?? 5_000_000), () => {
          this.timer = undefined;
          this.runCheck();
        });
      })
      .catch(() => undefined);
  }

  /** The relay while it works, else none. */
  private fallback(): SelectedPath {
    const { relayed } = this.options;
    return relayed === undefined || !this.relayAlive
      ? { kind: 'none' }
      : { kind: 'relayed', transport: relayed.transport, remote: relayed.remote };
  }

  private select(next: SelectedPath): void {
    if (this.isClosed) return;
    const current = this.subject.value;
    // A new round-trip time alone is not a change of path: path$ emits changes only.
    if (current.kind === next.kind) return;
    this.counters.switches++;
    this.subject.next(next);
  }
}

import { ElaraError, type Endpoint, endpoint, sessionId } from '@elara/core';
import { Prng } from '@elara/core/sim';
import {
  type Authorize,
  type CryptoProvider,
  HandshakeInitiator,
  type HandshakeResult,
  HandshakeResponder,
  Identity,
  type InitiatorTimers,
  type ResponderConfig,
  nativeCryptoProvider,
  portableCryptoProvider,
} from '../src/index.ts';

/** The session every handshake test uses unless it says otherwise. */
export const SESSION = sessionId(0x5e55_1011_2233_4455n);
/** A realistic Unix-epoch µs start time. */
export const T0 = 1_800_000_000_000_000;
/** Where the initiator sends from, and where the responder listens. */
export const INITIATOR_ADDRESS: Endpoint = endpoint('192.0.2.1', 40001);
export const RESPONDER_ADDRESS: Endpoint = endpoint('198.51.100.2', 4433);

export const allow: Authorize = () => true;
export const deny: Authorize = () => false;

/** A provider of the given kind with its own seeded random stream. */
export function provider(kind: 'native' | 'portable', seed: number): CryptoProvider {
  const random = new Prng(seed);
  return kind === 'native' ? nativeCryptoProvider({ random }) : portableCryptoProvider({ random });
}

/** A node for a test: its provider and identity. */
export interface Node {
  readonly provider: CryptoProvider;
  readonly identity: Identity;
}

export function node(kind: 'native' | 'portable', seed: number): Node {
  const p = provider(kind, seed);
  return { provider: p, identity: Identity.generate(p) };
}

/** A member-to-member initiator from `a` to `b` (full keys pinned). */
export function memberInitiator(
  a: Node,
  b: Node,
  authorize: Authorize = allow,
  timers: Partial<InitiatorTimers> = {},
): HandshakeInitiator {
  return new HandshakeInitiator({
    provider: a.provider,
    identity: a.identity,
    sessionId: SESSION,
    peer: b.identity.publicIdentity(),
    authorize,
    timers,
  });
}

export function responder(b: Node, config: Partial<ResponderConfig> = {}): HandshakeResponder {
  return new HandshakeResponder({
    provider: b.provider,
    identity: b.identity,
    authorize: allow,
    ...config,
  });
}

/** One datagram of a run: who it went to and its bytes (as delivered). */
export interface Sent {
  readonly to: 'responder' | 'initiator';
  readonly bytes: Uint8Array;
}

/** What a run of the pump produced. */
export interface Run {
  readonly messages: Sent[];
  readonly errors: ElaraError[];
  /** Where each error came from: the receiving side. */
  readonly errorSides: ('responder' | 'initiator')[];
  initiatorResult: HandshakeResult | undefined;
  responderResult: HandshakeResult | undefined;
}

/** Options of {@link pump}. */
export interface PumpOptions {
  /** The source address the responder sees. */
  readonly source?: Endpoint;
  /** Rewrites (or drops, by returning undefined) the n-th datagram before it is delivered. */
  readonly tap?: (index: number, sent: Sent) => Uint8Array | undefined;
  /** The clock reading for each delivery (default: always `T0`). */
  readonly clock?: () => number;
}

/**
 * Delivers datagrams between an initiator and a responder until none is left, starting with
 * `first` (the initiator's Init). Named errors are collected with the side that raised them;
 * anything else fails the test.
 */
export function pump(
  initiator: HandshakeInitiator,
  responderSide: HandshakeResponder,
  first: Uint8Array,
  options: PumpOptions = {},
): Run {
  const clock = options.clock ?? (() => T0);
  const source = options.source ?? INITIATOR_ADDRESS;
  const run: Run = {
    messages: [],
    errors: [],
    errorSides: [],
    initiatorResult: undefined,
    responderResult: undefined,
  };
  const queue: Sent[] = [{ to: 'responder', bytes: first }];
  for (let index = 0; queue.length > 0; index++) {
    const sent = queue.shift() as Sent;
    const bytes = options.tap ? options.tap(index, sent) : sent.bytes;
    if (bytes === undefined) continue;
    run.messages.push({ to: sent.to, bytes });
    try {
      if (sent.to === 'responder') {
        const step = responderSide.receive(bytes, source, clock());
        if (step.reply) queue.push({ to: 'initiator', bytes: step.reply });
        if (step.result) run.responderResult = step.result;
      } else {
        const step = initiator.receive(bytes, clock());
        for (const out of step.send) queue.push({ to: 'responder', bytes: out });
        if (step.result) run.initiatorResult = step.result;
      }
    } catch (e) {
      if (!ElaraError.isInstance(e)) throw e;
      run.errors.push(e as ElaraError);
      run.errorSides.push(sent.to);
    }
  }
  return run;
}

/** A whole handshake between two nodes, from `start` to the last message. */
export function handshake(
  a: Node,
  b: Node,
  options: PumpOptions & { authorize?: Authorize; responder?: HandshakeResponder } = {},
): Run & { initiator: HandshakeInitiator; responder: HandshakeResponder } {
  const initiator = memberInitiator(a, b, options.authorize ?? allow);
  const r = options.responder ?? responder(b);
  const run = pump(initiator, r, initiator.start((options.clock ?? (() => T0))()), options);
  return { ...run, initiator, responder: r };
}

/** Names of the errors of a run, in order. */
export function errorNames(run: Run): string[] {
  return run.errors.map((e) => e.code);
}

/** Copy of `bytes` with byte `at` XORed with `mask` (non-zero). */
export function flip(bytes: Uint8Array, at: number, mask = 0x01): Uint8Array {
  const out = bytes.slice();
  out[at] = (out[at] as number) ^ mask;
  return out;
}

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
  type Invite,
  InviteBook,
  type InviteBookOptions,
  decodeInvite,
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

/** Options of {@link pump} and {@link drive}. */
export interface PumpOptions {
  /** The source address the responder sees. */
  readonly source?: Endpoint;
  /** Rewrites (or drops, by returning undefined) the n-th datagram before it is delivered. */
  readonly tap?: (index: number, sent: Sent) => Uint8Array | undefined;
  /** The clock reading for each delivery (default: always `T0`; {@link drive} moves it). */
  readonly clock?: () => number;
}

function emptyRun(): Run {
  return {
    messages: [],
    errors: [],
    errorSides: [],
    initiatorResult: undefined,
    responderResult: undefined,
  };
}

/** Delivers what is queued (and what it provokes) until nothing is left. */
function deliverAll(
  run: Run,
  queue: Sent[],
  initiator: HandshakeInitiator,
  responderSide: HandshakeResponder,
  now: number,
  options: PumpOptions,
  counter: { index: number },
): void {
  const source = options.source ?? INITIATOR_ADDRESS;
  while (queue.length > 0) {
    const sent = queue.shift() as Sent;
    const bytes = options.tap ? options.tap(counter.index++, sent) : sent.bytes;
    if (bytes === undefined) continue;
    run.messages.push({ to: sent.to, bytes });
    try {
      if (sent.to === 'responder') {
        const step = responderSide.receive(bytes, source, now);
        if (step.reply) queue.push({ to: 'initiator', bytes: step.reply });
        if (step.result) run.responderResult = step.result;
      } else {
        const step = initiator.receive(bytes, now);
        for (const out of step.send) queue.push({ to: 'responder', bytes: out });
        if (step.result) run.initiatorResult = step.result;
      }
    } catch (e) {
      if (!ElaraError.isInstance(e)) throw e;
      run.errors.push(e as ElaraError);
      run.errorSides.push(sent.to);
    }
  }
}

/**
 * Delivers datagrams between an initiator and a responder until none is left, starting with
 * `first` (the initiator's Init). Named errors are collected with the side that raised them;
 * anything else fails the test. No timer runs: see {@link drive} for that.
 */
export function pump(
  initiator: HandshakeInitiator,
  responderSide: HandshakeResponder,
  first: Uint8Array,
  options: PumpOptions = {},
): Run {
  const run = emptyRun();
  const now = (options.clock ?? (() => T0))();
  deliverAll(run, [{ to: 'responder', bytes: first }], initiator, responderSide, now, options, {
    index: 0,
  });
  return run;
}

/** A {@link Run} driven to its end, with the virtual times of its attempts. */
export interface DrivenRun extends Run {
  /** The clock when the initiator ended (established or failed). */
  readonly endedAt: number;
}

/**
 * Starts `initiator` at `start` and runs it to its end in virtual time: deliver everything,
 * then jump the clock to the initiator's deadline and tick it, until it is established or has
 * failed (its `HandshakeTimeoutError` is collected like any other named error).
 */
export function drive(
  initiator: HandshakeInitiator,
  responderSide: HandshakeResponder,
  start = T0,
  options: Omit<PumpOptions, 'clock'> = {},
): DrivenRun {
  const run = emptyRun();
  const counter = { index: 0 };
  let now = start;
  const queue: Sent[] = [{ to: 'responder', bytes: initiator.start(now) }];
  for (;;) {
    deliverAll(run, queue, initiator, responderSide, now, options, counter);
    const deadline = initiator.deadline;
    if (deadline === undefined) break;
    now = deadline;
    try {
      for (const out of initiator.tick(now)) queue.push({ to: 'responder', bytes: out });
    } catch (e) {
      if (!ElaraError.isInstance(e)) throw e;
      run.errors.push(e as ElaraError);
      run.errorSides.push('initiator');
    }
  }
  return { ...run, endedAt: now };
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

/** An inviter's book, an invite it issued for `SESSION`, and the joiner's decoded copy. */
export interface InviteSetup {
  readonly book: InviteBook;
  readonly text: string;
  readonly invite: Invite;
}

/** `inviter` issues an invite valid for `lifetimeUs` from `now`; it is decoded on `joiner`. */
export function inviteSetup(
  inviter: Node,
  joiner: Node,
  now = T0,
  lifetimeUs = 3_600_000_000,
  options: InviteBookOptions = {},
): InviteSetup {
  const book = new InviteBook(inviter.provider, inviter.identity, options);
  const { text } = book.issue(
    { sessionId: SESSION, addresses: [RESPONDER_ADDRESS], expiresAt: now + lifetimeUs },
    now,
  );
  return { book, text, invite: decodeInvite(joiner.provider, text, now) };
}

/** A joiner's initiator for `invite`. */
export function joinerInitiator(
  joiner: Node,
  invite: Invite,
  timers: Partial<InitiatorTimers> = {},
): HandshakeInitiator {
  return new HandshakeInitiator({
    provider: joiner.provider,
    identity: joiner.identity,
    invite,
    timers,
  });
}

/** The inviter's responder: `authorize` refuses everyone, so only invites admit. */
export function inviterResponder(inviter: Node, book: InviteBook): HandshakeResponder {
  return responder(inviter, { authorize: deny, invites: book });
}

import { createHmac } from 'node:crypto';
import {
  type Clock,
  type DurableEnvelope,
  encodeEnvelope,
  type EventEnvelope,
  EventKind,
  EventType,
  signEnvelope,
  type StateId,
  type EventSigner,
  type EventVerifier,
  type NodeId,
  nodeId,
  type SessionId,
  sessionId,
} from '@elara/core';
import {
  type DurableObserver,
  type FieldLimits,
  type LocalLog,
  type MembershipSource,
  StateField,
  staticMembership,
} from '@elara/state';
import { TimeEngine } from '@elara/time';
import {
  type StreamOptionsInput,
  Streams,
  streamAtomResolver,
  streamOptions,
} from '../src/index.ts';

export const SESSION: SessionId = sessionId(0x5e55_1013n);

/** Node ids as the runtime makes them: 64-bit hashes, not small counters. */
export const ALICE = nodeId(0xa11c_e5a1_7e00_0001n);
export const BOB = nodeId(0xb0b5_0b5b_0b00_0002n);
export const CAROL = nodeId(0xca20_1ca2_01c0_0003n);

/** The i-th of many authors: well-spread 64-bit ids (a splitmix64 step). */
export function author(i: number): NodeId {
  let z = (BigInt(i) + 1n) * 0x9e3779b97f4a7c15n;
  z &= (1n << 64n) - 1n;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & ((1n << 64n) - 1n);
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & ((1n << 64n) - 1n);
  return nodeId(z ^ (z >> 31n));
}

/**
 * A test signature that a forger or a changed byte defeats (state never imports crypto):
 * HMAC-SHA256 with a per-author secret, twice, as 64 bytes.
 */
export function signerFor(node: NodeId): EventSigner {
  const key = `author-secret-${node}`;
  return (bytes) => {
    const a = createHmac('sha256', key).update(bytes).digest();
    const b = createHmac('sha256', key).update(a).digest();
    return new Uint8Array(Buffer.concat([a, b]));
  };
}

export const verifier: EventVerifier = (author, bytes, signature) => {
  const expected = signerFor(author)(bytes);
  return signature.length === 64 && expected.every((b, i) => b === signature[i]);
};

/** One replica: a state field on `clock`, its streams, and what it sent. */
export interface Replica {
  readonly self: NodeId;
  readonly field: StateField;
  readonly time: TimeEngine;
  readonly streams: Streams;
  readonly sent: EventEnvelope[];
}

export interface ReplicaOptions {
  readonly members?: readonly NodeId[];
  /** Instead of a fixed `members` list (e.g. one a test changes). */
  readonly membership?: MembershipSource;
  readonly options?: StreamOptionsInput;
  readonly limits?: Partial<FieldLimits>;
  /** Install the streams' atom resolver in the field (default true). */
  readonly resolver?: boolean;
  readonly localLog?: LocalLog;
  /** Durable observers of the field (e.g. an event store). */
  readonly observers?: readonly DurableObserver[];
}

export function replica(self: NodeId, clock: Clock, o: ReplicaOptions = {}): Replica {
  const time = new TimeEngine({ clock });
  const members = o.members ?? [self];
  const field = new StateField({
    session: SESSION,
    self,
    time,
    verifier,
    membership: o.membership ?? staticMembership(members),
    ...(o.resolver === false ? {} : { resolve: streamAtomResolver(streamOptions(o.options)) }),
    ...(o.limits === undefined ? {} : { limits: o.limits }),
    ...(o.observers === undefined ? {} : { observers: o.observers }),
  });
  const streams = new Streams({
    field,
    time,
    signer: signerFor(self),
    ...(o.options === undefined ? {} : { options: o.options }),
    ...(o.localLog === undefined ? {} : { localLog: o.localLog }),
  });
  const sent: EventEnvelope[] = [];
  streams.outgoing$.subscribe((e) => sent.push(e.envelope));
  return { self, field, time, streams, sent };
}

/**
 * Connects replicas with perfect links: every event one emits is received by all the others
 * at once (synchronously, from the author's channel).
 */
export function connect(replicas: readonly Replica[]): void {
  for (const from of replicas) {
    from.streams.outgoing$.subscribe(({ bytes }) => {
      for (const to of replicas) if (to !== from) to.field.receiveBytes(bytes, { from: from.self });
    });
  }
}

export const canonical = (r: Replica): string => JSON.stringify(r.field.snapshot());

/**
 * Appends raw record bytes to text stream `atom` as `r`'s next durable event (what a buggy or
 * malicious member could sign), applied locally and delivered to `others`.
 */
export function appendRaw(
  r: Replica,
  atom: StateId,
  data: (seq: number, time: number) => Uint8Array,
  others: readonly Replica[],
  eventType: EventType = EventType.TextAppend,
): DurableEnvelope {
  const seq = r.field.processedOf(r.self) + 1;
  const time = r.time.stampEvent();
  const env = signEnvelope(
    SESSION,
    {
      kind: EventKind.Durable,
      author: r.self,
      seq,
      time,
      target: atom,
      eventType,
      dependencies: r.field.heads(),
      mutation: { type: 'append', data: data(seq, time) },
    },
    signerFor(r.self),
  );
  r.field.applyLocal(env);
  for (const o of others) o.field.receiveBytes(encodeEnvelope(env), { from: r.self });
  return env;
}

import {
  type DurableEnvelope,
  type EphemeralEnvelope,
  type EventId,
  EventKind,
  EventType,
  type EventVerifier,
  type MutationOp,
  type NodeId,
  nodeId,
  type SessionId,
  sessionId,
  signEnvelope,
  type StateId,
  stateId,
} from '@elara/core';
import { classifyAt, correctionWeight, type TimeView } from '@elara/time';
import { type FieldLimits, StateField, type StateFieldConfig } from '../src/index.ts';

export const SESSION: SessionId = sessionId(0x5e55_1011n);
export const T0 = 1_800_000_000_000_000;

export const node = (n: number): NodeId => nodeId(0x1000 + n);
export const atomId = (n: number): StateId => stateId(0x0001_0000_0000_0000n + BigInt(n));

/** A τs the test moves by hand, with fixed horizons. */
export class ManualTime implements TimeView {
  constructor(
    public t = T0,
    public hcUs = 80_000,
    public hpUs = 40_000,
  ) {}
  now(): number {
    return this.t;
  }
  classify(time: number): ReturnType<TimeView['classify']> {
    return classifyAt(this.t, this.hcUs, this.hpUs, time);
  }
  correctionWeight(delayUs: number): number {
    return correctionWeight(delayUs, this.hcUs);
  }
}

/**
 * A toy signature (state never imports crypto, and tests need one that a forger or a changed
 * byte defeats): 64 bytes from a 64-bit FNV-1a hash of (author secret, signing bytes). Only
 * authors in the key set verify.
 */
function toyHash(secret: bigint, bytes: Uint8Array): bigint {
  let h = 0xcbf29ce484222325n ^ secret;
  for (const b of bytes) h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return h;
}

export function toySigner(author: NodeId): (bytes: Uint8Array) => Uint8Array {
  return (bytes) => {
    const out = new Uint8Array(64);
    new DataView(out.buffer).setBigUint64(0, toyHash(author * 7919n, bytes), true);
    return out;
  };
}

export function toyVerifier(known?: Iterable<NodeId>): EventVerifier {
  const keys = known === undefined ? undefined : new Set(known);
  return (author, bytes, signature) => {
    if (keys !== undefined && !keys.has(author)) return false;
    if (signature.length !== 64) return false;
    const expect = toySigner(author)(bytes);
    return expect.every((b, i) => b === signature[i]);
  };
}

/** Builds an author's events: durable seqs from 1, ephemeral counters per atom from 0. */
export class Writer {
  seq = 0;
  private readonly counters = new Map<StateId, number>();
  private readonly sign: (bytes: Uint8Array) => Uint8Array;

  constructor(
    readonly author: NodeId,
    readonly session: SessionId = SESSION,
  ) {
    this.sign = toySigner(author);
  }

  durable(
    target: StateId,
    mutation: MutationOp,
    options: { time?: number; deps?: readonly EventId[]; eventType?: EventType } = {},
  ): DurableEnvelope {
    this.seq++;
    return signEnvelope(
      this.session,
      {
        kind: EventKind.Durable,
        author: this.author,
        seq: this.seq,
        time: options.time ?? T0,
        target,
        eventType: options.eventType ?? EventType.StateUpdate,
        dependencies: options.deps ?? [],
        mutation,
      },
      this.sign,
    );
  }

  ephemeral(
    target: StateId,
    mutation: MutationOp,
    options: { time?: number; eventType?: EventType } = {},
  ): EphemeralEnvelope {
    const counter = this.counters.get(target) ?? 0;
    this.counters.set(target, counter + 1);
    return {
      kind: EventKind.Ephemeral,
      author: this.author,
      counter,
      time: options.time ?? T0,
      target,
      eventType: options.eventType ?? EventType.PresenceUpdate,
      mutation,
    };
  }
}

export const bytes = (...xs: number[]): Uint8Array => Uint8Array.from(xs);
export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

/** A field for `self` on a manual clock, the toy verifier, and the given overrides. */
export function makeField(
  self: NodeId,
  overrides: Partial<StateFieldConfig> & { limits?: Partial<FieldLimits> } = {},
): { field: StateField; time: ManualTime } {
  const time = overrides.time instanceof ManualTime ? overrides.time : new ManualTime();
  const field = new StateField({
    session: SESSION,
    self,
    time,
    verifier: toyVerifier(),
    ...overrides,
  });
  return { field, time };
}

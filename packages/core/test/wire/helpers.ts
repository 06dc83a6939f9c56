import fc from 'fast-check';
import { expect } from 'vitest';
import { fromHex } from '@elara/test-env';
import {
  type FixedHeader,
  type HeaderExtensions,
  type NodeId,
  type SessionId,
  type SwarmRole,
  RepresentationProfile,
  WireError,
  nodeId,
  sessionId,
  type PacketClass,
  type SuiteNibble,
  type MutationOp,
  type VersionVector,
  nodeIdFromHex,
  versionVector,
  EventKind,
  EventType,
  MAX_DEPENDENCIES,
  MAX_EVENT_SEQ,
  stateId,
  type DurableEnvelope,
  type EphemeralEnvelope,
  type EventEnvelope,
} from '../../src/index.ts';

/** A 64-bit value as the vectors write it. */
export interface Hex64 {
  hex: string;
  dec: string;
}

/** Header fields as the vectors write them. */
export interface VectorHeader {
  class: number;
  crypto_suite: number;
  flags: number;
  header_len: number;
  node_id: Hex64;
  session_id: Hex64;
  profile: number;
  seq: number;
  window: number;
  seq_window: number;
  time_hint: number;
  version: number;
}

/** Extensions as the vectors write them (null = absent). */
export interface VectorExtensions {
  ratchet_id: number | null;
  key_epoch: number | null;
  swarm_role: number | null;
  relay_hop: number | null;
  interest_mask: Hex64 | null;
  redundancy_group: number | null;
  compression_hint: number | null;
  fragment_info: { index: number; total: number } | null;
  path_id: number | null;
  priority_hint: number | null;
  causality_ref: string | null;
}

export function headerFromVector(h: VectorHeader): FixedHeader {
  return {
    version: h.version,
    suite: h.crypto_suite as SuiteNibble,
    flags: h.flags,
    headerLen: h.header_len,
    sessionId: sessionId(BigInt(h.session_id.dec)),
    nodeId: nodeId(BigInt(h.node_id.dec)),
    packetClass: h.class as PacketClass,
    profile: h.profile as RepresentationProfile,
    timeHint: h.time_hint,
    seq: h.seq,
    window: h.window,
  };
}

export function extensionsFromVector(e: VectorExtensions): HeaderExtensions {
  const out: { -readonly [K in keyof HeaderExtensions]?: HeaderExtensions[K] } = {};
  if (e.ratchet_id !== null) out.ratchetId = e.ratchet_id;
  if (e.key_epoch !== null) out.keyEpoch = e.key_epoch;
  if (e.swarm_role !== null) out.swarmRole = e.swarm_role as SwarmRole;
  if (e.relay_hop !== null) out.relayHop = e.relay_hop;
  if (e.interest_mask !== null) out.interestMask = BigInt(e.interest_mask.dec);
  if (e.redundancy_group !== null) out.redundancyGroup = e.redundancy_group;
  if (e.compression_hint !== null) out.compressionHint = e.compression_hint;
  if (e.fragment_info !== null) out.fragmentInfo = { ...e.fragment_info };
  if (e.path_id !== null) out.pathId = e.path_id;
  if (e.priority_hint !== null) out.priorityHint = e.priority_hint;
  if (e.causality_ref !== null) out.causalityRef = fromHex(e.causality_ref);
  return out;
}

/** Runs a decoder on arbitrary bytes: it must return or throw a named wire error. */
export function valueOrWireError<T>(decode: () => T): T | undefined {
  try {
    return decode();
  } catch (e) {
    // Anything but a named wire error escapes and fails the property with its own message.
    if (!WireError.isInstance(e)) throw e;
    return undefined;
  }
}

/** Expects `fn` to throw an error recognised by `cls.isInstance`. */
export function expectNamed(fn: () => unknown, cls: { isInstance(e: unknown): boolean }): void {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(thrown, 'expected a named error').toBeDefined();
  expect(cls.isInstance(thrown), `unexpected error: ${String(thrown)}`).toBe(true);
}

export const arbU64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
export const arbNodeId: fc.Arbitrary<NodeId> = arbU64.map((v) => nodeId(v));
export const arbSessionId: fc.Arbitrary<SessionId> = arbU64.map((v) => sessionId(v));
export const arbProfile = fc.constantFrom(
  ...(Object.values(RepresentationProfile) as RepresentationProfile[]),
);

export const arbHeader: fc.Arbitrary<FixedHeader> = fc.record({
  version: fc.integer({ min: 0, max: 15 }),
  suite: fc.constantFrom<SuiteNibble>(0, 1, 2),
  flags: fc.integer({ min: 0, max: 0xff }),
  headerLen: fc.integer({ min: 0, max: 0xffff }),
  sessionId: arbSessionId,
  nodeId: arbNodeId,
  packetClass: fc.constantFrom<PacketClass>(0, 1, 2, 3, 4),
  profile: arbProfile,
  timeHint: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
  seq: fc.integer({ min: 0, max: 0xffff }),
  window: fc.integer({ min: 0, max: 0xffff }),
});

export const arbExtensions: fc.Arbitrary<HeaderExtensions> = fc.record(
  {
    ratchetId: fc.integer({ min: 0, max: 0xffff_ffff }),
    keyEpoch: fc.integer({ min: 0, max: 0xffff }),
    swarmRole: fc.constantFrom<SwarmRole>(0, 1, 2, 3, 4),
    relayHop: fc.integer({ min: 0, max: 0xff }),
    interestMask: arbU64,
    redundancyGroup: fc.integer({ min: 0, max: 0xffff }),
    compressionHint: fc.integer({ min: 0, max: 0xff }),
    fragmentInfo: fc.record({
      index: fc.integer({ min: 0, max: 0xffff }),
      total: fc.integer({ min: 0, max: 0xffff }),
    }),
    pathId: fc.integer({ min: 0, max: 0xffff }),
    priorityHint: fc.integer({ min: 0, max: 0xff }),
    causalityRef: fc.uint8Array({ maxLength: 255 }),
  },
  { requiredKeys: [] },
);

/**
 * Mutations of a valid encoding: flipped bytes, truncation, extension, or splices; what fuzzing
 * near the valid space needs (random bytes alone rarely get past the first check).
 */
export function mutated(valid: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  return fc
    .tuple(
      valid,
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
      fc.option(fc.nat(), { nil: undefined }),
      fc.uint8Array({ maxLength: 8 }),
    )
    .map(([bytes, flips, cut, tail]) => {
      const out = new Uint8Array(bytes.length + tail.length);
      out.set(bytes);
      out.set(tail, bytes.length);
      for (const [i, b] of flips) if (out.length > 0) out[i % out.length] = b;
      const end = cut === undefined ? out.length : cut % (out.length + 1);
      return out.subarray(0, end);
    });
}

/**
 * Random bytes and mutations of valid encodings, half and half. The valid encodings come from a
 * pool drawn once with a fixed seed (drawing a fresh structured value per case costs more than
 * decoding it, and a fixed pool keeps failures reproducible from fast-check's reported seed).
 */
export function fuzzInput(
  valid: fc.Arbitrary<Uint8Array>,
  maxLength = 200,
): fc.Arbitrary<Uint8Array> {
  const pool = fc.sample(valid, { numRuns: 512, seed: 0x5eed });
  return fc.oneof(fc.uint8Array({ maxLength }), mutated(fc.constantFrom(...pool)));
}

/** A mutation as the vectors write it. */
export interface VectorMutation {
  op: string;
  data?: string;
  delta?: string;
  value?: string;
  weight?: number;
  weight_bits?: string;
}

export function mutationFromVector(m: VectorMutation): MutationOp {
  switch (m.op) {
    case 'Set':
      return { type: 'set', data: fromHex(m.data ?? '') };
    case 'Append':
      return { type: 'append', data: fromHex(m.data ?? '') };
    case 'Merge':
      return { type: 'merge', data: fromHex(m.data ?? '') };
    case 'Increment':
      return { type: 'increment', delta: BigInt(m.delta ?? 'x') };
    case 'Delete':
      return { type: 'delete' };
    case 'Blend': {
      const bits = new DataView(new ArrayBuffer(4));
      bits.setUint32(0, Number(m.weight_bits), false);
      return { type: 'blend', value: fromHex(m.value ?? ''), weight: bits.getFloat32(0, false) };
    }
    default:
      throw new Error(`unknown vector op ${m.op}`);
  }
}

/** Version-vector entries as the vectors write them. */
export function vvFromVector(entries: [string, string][]): VersionVector {
  return versionVector(entries.map(([n, c]) => [nodeIdFromHex(n), BigInt(c)] as const));
}

const arbData = fc.uint8Array({ maxLength: 64 });

/** Mutations with Blend weights drawn from `weight` (the other ops as in v0). */
function arbMutationWith(weight: fc.Arbitrary<number>): fc.Arbitrary<MutationOp> {
  return fc.oneof(
    arbData.map((data) => ({ type: 'set' as const, data })),
    fc
      .bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })
      .map((delta) => ({ type: 'increment' as const, delta })),
    arbData.map((data) => ({ type: 'append' as const, data })),
    arbData.map((data) => ({ type: 'merge' as const, data })),
    fc.constant({ type: 'delete' as const }),
    fc.tuple(arbData, weight).map(([value, weight]) => ({ type: 'blend' as const, value, weight })),
  );
}

/** v0 mutations: any f32 weight, NaN and infinities included (the reference takes them). */
export const arbMutation: fc.Arbitrary<MutationOp> = arbMutationWith(fc.float({ noNaN: false }));

/** v1 mutations: finite Blend weights only (v1 envelopes refuse the others). */
export const arbMutationV1: fc.Arbitrary<MutationOp> = arbMutationWith(
  fc.float({ noNaN: true, noDefaultInfinity: true }),
);

export const arbVersionVector: fc.Arbitrary<VersionVector> = fc
  .array(fc.tuple(fc.integer({ min: 0, max: 12 }), fc.bigInt({ min: 0n, max: 6n })), {
    maxLength: 10,
  })
  .map((es) => versionVector(es.map(([n, c]) => [nodeId(n), c] as const)));

export const arbEventType = fc.constantFrom(...(Object.values(EventType) as EventType[]));
export const arbTime = fc.oneof(
  fc.integer({ min: 1_600_000_000_000_000, max: 2_000_000_000_000_000 }),
  fc.maxSafeInteger(),
);
const arbSeq = fc.integer({ min: 1, max: MAX_EVENT_SEQ });

/** Dependencies valid for `author`: distinct authors, none of them `author` itself. */
export function arbDependencies(author: NodeId): fc.Arbitrary<{ author: NodeId; seq: number }[]> {
  return fc
    .uniqueArray(fc.record({ author: arbNodeId, seq: arbSeq }), {
      maxLength: MAX_DEPENDENCIES,
      selector: (d) => d.author,
    })
    .map((deps) => deps.filter((d) => d.author !== author));
}

export const arbDurable: fc.Arbitrary<DurableEnvelope> = arbNodeId.chain((author) =>
  fc.record({
    kind: fc.constant(EventKind.Durable),
    author: fc.constant(author),
    seq: arbSeq,
    time: arbTime,
    target: arbU64.map(stateId),
    eventType: arbEventType,
    dependencies: arbDependencies(author),
    mutation: arbMutationV1,
    signature: fc.uint8Array({ minLength: 64, maxLength: 64 }),
  }),
);

export const arbEphemeral: fc.Arbitrary<EphemeralEnvelope> = fc.record({
  kind: fc.constant(EventKind.Ephemeral),
  author: arbNodeId,
  counter: fc.integer({ min: 0, max: MAX_EVENT_SEQ }),
  time: arbTime,
  target: arbU64.map(stateId),
  eventType: arbEventType,
  mutation: arbMutationV1,
});

export const arbEnvelope: fc.Arbitrary<EventEnvelope> = fc.oneof(arbDurable, arbEphemeral);

/** Envelopes as decoding returns them (f32 weights rounded). */
export function asDecoded<T extends { mutation: MutationOp }>(e: T): T {
  const m = e.mutation;
  return m.type === 'blend' ? { ...e, mutation: { ...m, weight: Math.fround(m.weight) } } : e;
}

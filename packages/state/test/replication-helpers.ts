import {
  type DurableEnvelope,
  endpoint,
  type EventId,
  EventType,
  type NodeId,
  StateType,
} from '@elara/core';
import {
  AuthorityScope,
  DeltaLaw,
  type MemberKeys,
  type MembershipEntry,
  MembershipLog,
  membershipEventType,
  membershipMutation,
  type StateField,
  type DurableObserver,
  type FieldLimits,
  MemberRole,
} from '../src/index.ts';
import { atomId, bytes, makeField, toySigner, Writer } from './helpers.ts';

export const CHAT = atomId(20);

/** Toy public keys: the node id in the first 8 bytes of the "Ed25519" key. */
export function keysOf(node: NodeId, variant = 0): MemberKeys {
  const signingPublicKey = new Uint8Array(32);
  new DataView(signingPublicKey.buffer).setBigUint64(0, node, true);
  signingPublicKey[31] = variant;
  const agreementPublicKey = new Uint8Array(32).fill(0xa0 ^ Number(node & 0xffn));
  return { signingPublicKey, agreementPublicKey };
}

/** The toy "Ed25519" check over {@link keysOf} keys (what `log.verifier` is given). */
export function toyKeyVerify(key: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (key.length !== 32) return false;
  const author = new DataView(key.buffer, key.byteOffset).getBigUint64(0, true) as NodeId;
  const expect = toySigner(author)(message);
  return signature.length === 64 && expect.every((b, i) => b === signature[i]);
}

export function addEntry(
  member: NodeId,
  role: MemberRole = MemberRole.Member,
  variant = 0,
): MembershipEntry {
  return {
    op: 'add',
    member,
    role,
    ...keysOf(member, variant),
    addresses: [endpoint('192.0.2.1', 4000 + Number(member & 0xffn))],
  };
}

/** A membership entry written by `w` into `log`'s atom. */
export function entryEvent(
  w: Writer,
  log: { atom: MembershipLog['atom'] },
  entry: MembershipEntry,
  deps: readonly EventId[] = [],
): DurableEnvelope {
  return w.durable(log.atom, membershipMutation(entry), {
    eventType: membershipEventType(entry),
    deps,
  });
}

/** A chat message (Core append log open to members). */
export function chatEvent(w: Writer, x: number, deps: readonly EventId[] = []): DurableEnvelope {
  return w.durable(
    CHAT,
    { type: 'append', data: bytes(x) },
    {
      eventType: EventType.TextAppend,
      deps,
    },
  );
}

export const idOf = (e: DurableEnvelope): EventId => ({ author: e.author, seq: e.seq });

/** The toy `checkKeys`: the key names the member (as the runtime's NodeId derivation does). */
export function toyCheckKeys(member: NodeId, keys: MemberKeys): boolean {
  const k = keys.signingPublicKey;
  return k.length === 32 && new DataView(k.buffer, k.byteOffset).getBigUint64(0, true) === member;
}

/** A replica: a field whose membership is a log, with the chat atom defined. */
export function membershipReplica(
  self: NodeId,
  founder: NodeId,
  options: {
    maxEntries?: number;
    maxEntriesPerSigner?: number;
    ownerReserve?: number;
    observers?: DurableObserver[];
    /** Verify signatures with the log's keys (`log.verifier`) instead of the toy verifier. */
    verifier?: boolean;
    limits?: Partial<FieldLimits>;
  } = {},
): { field: StateField; log: MembershipLog } {
  const { observers, verifier, limits, ...bounds } = options;
  const log = new MembershipLog({
    founder: { id: founder, ...keysOf(founder) },
    checkKeys: toyCheckKeys,
    ...bounds,
  });
  const { field } = makeField(self, {
    membership: log,
    observers: [log, ...(observers ?? [])],
    ...(verifier === true ? { verifier: log.verifier(toyKeyVerify) } : {}),
    ...(limits === undefined ? {} : { limits }),
  });
  field.define(log.atom, log.atomSpec());
  field.define(CHAT, {
    stateType: StateType.Core,
    law: DeltaLaw.appendLog(),
    authority: { owners: [founder], members: AuthorityScope.Append },
  });
  return { field, log };
}

export { Writer };

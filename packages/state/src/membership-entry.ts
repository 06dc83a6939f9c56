import {
  ByteReader,
  ByteWriter,
  ElaraError,
  type Endpoint,
  endpoint,
  EventType,
  isIPv4Literal,
  isIPv6Literal,
  type MutationOp,
  type NodeId,
  U64_MAX,
} from '@elara/core';
import { isMemberRole, type MemberRole } from './member-role.ts';
import { MalformedMembershipEntryError } from './replication-errors.ts';

/** Length of each public key a member brings (Ed25519 and X25519). */
export const MEMBER_KEY_LENGTH = 32;
/** The most address candidates one add entry carries. */
export const MAX_MEMBER_ADDRESSES = 8;
/** The longest address literal (an IPv6 literal with a zone fits). */
export const MAX_ADDRESS_LENGTH = 64;
/** The largest encoded entry. */
export const MAX_MEMBERSHIP_ENTRY_SIZE =
  1 + 8 + 1 + 2 * MEMBER_KEY_LENGTH + 1 + MAX_MEMBER_ADDRESSES * (3 + MAX_ADDRESS_LENGTH);

/** The public keys of a member, as its identity holds them (state never imports crypto). */
export interface MemberKeys {
  /** Ed25519 public key, 32 bytes: verifies the member's durable events. */
  readonly signingPublicKey: Uint8Array;
  /** X25519 public key, 32 bytes: the handshake's agreement key. */
  readonly agreementPublicKey: Uint8Array;
}

/**
 * One entry of the session membership log (the data of an `append` to the membership atom).
 * - `add`: `member` joins (or, when already in, takes these keys, addresses and role).
 * - `remove`: `member` leaves; its events that follow the removal causally are refused.
 * - `role`: `member` (already in) takes `role`.
 */
export type MembershipEntry =
  | ({
      readonly op: 'add';
      readonly member: NodeId;
      readonly role: MemberRole;
      /** Where to reach the member, in order of preference (literal addresses). */
      readonly addresses: readonly Endpoint[];
    } & MemberKeys)
  | { readonly op: 'remove'; readonly member: NodeId }
  | { readonly op: 'role'; readonly member: NodeId; readonly role: MemberRole };

const OP_CODE = { add: 1, remove: 2, role: 3 } as const;
const EVENT_TYPE = {
  add: EventType.SessionJoin,
  remove: EventType.SessionLeave,
  role: EventType.StateUpdate,
} as const;

/** The event type an entry travels with: SessionJoin, SessionLeave, StateUpdate (role). */
export function membershipEventType(entry: MembershipEntry): EventType {
  return EVENT_TYPE[entry.op];
}

function checkBytes(value: unknown, what: string): Uint8Array {
  if (!(value instanceof Uint8Array) || value.length !== MEMBER_KEY_LENGTH) {
    throw new MalformedMembershipEntryError(`${what} must be ${MEMBER_KEY_LENGTH} bytes`);
  }
  return value;
}

function addressBytes(e: Endpoint): Uint8Array {
  const text = new TextEncoder().encode(e.address);
  const literal = e.family === 'IPv4' ? isIPv4Literal(e.address) : isIPv6Literal(e.address);
  if (!literal || text.length > MAX_ADDRESS_LENGTH) {
    throw new MalformedMembershipEntryError(`address ${e.address} is not an ${e.family} literal`);
  }
  if (!Number.isInteger(e.port) || e.port < 1 || e.port > 0xffff) {
    throw new MalformedMembershipEntryError(`port ${e.port} is outside 1..65535`);
  }
  return text;
}

/**
 * Encodes an entry: `op:u8 (1 add, 2 remove, 3 role) ‖ member:u64`, then for an add
 * `role:u8 ‖ Ed25519 key[32] ‖ X25519 key[32] ‖ n:u8 ‖ (port:u16 ‖ len:u8 ‖ address)×n` (the
 * address as its ASCII literal), for a role change `role:u8`; little-endian. Anything out of
 * range is a {@link MalformedMembershipEntryError}.
 */
export function encodeMembershipEntry(entry: MembershipEntry): Uint8Array {
  const member = entry.member as unknown;
  if (typeof member !== 'bigint' || member < 0n || member > U64_MAX) {
    throw new MalformedMembershipEntryError(`member ${String(member)} is not a u64`);
  }
  const code = OP_CODE[entry.op] as number | undefined;
  if (code === undefined) throw new MalformedMembershipEntryError(`unknown op ${String(entry.op)}`);
  const w = new ByteWriter(MAX_MEMBERSHIP_ENTRY_SIZE, 'membership entry');
  w.u8(code).u64(entry.member);
  if (entry.op === 'remove') return w.toBytes();
  if (!isMemberRole(entry.role)) {
    throw new MalformedMembershipEntryError(`unknown role ${String(entry.role)}`);
  }
  w.u8(entry.role);
  if (entry.op === 'role') return w.toBytes();
  w.bytes(checkBytes(entry.signingPublicKey, 'signingPublicKey'));
  w.bytes(checkBytes(entry.agreementPublicKey, 'agreementPublicKey'));
  const addresses: readonly Endpoint[] = entry.addresses;
  if (!Array.isArray(entry.addresses) || addresses.length > MAX_MEMBER_ADDRESSES) {
    throw new MalformedMembershipEntryError(`at most ${MAX_MEMBER_ADDRESSES} addresses`);
  }
  w.u8(addresses.length);
  for (const e of addresses) {
    const text = addressBytes(e);
    w.u16(e.port).u8(text.length).bytes(text);
  }
  return w.toBytes();
}

/** The mutation that appends `entry` to the membership atom. */
export function membershipMutation(entry: MembershipEntry): MutationOp {
  return { type: 'append', data: encodeMembershipEntry(entry) };
}

const ASCII = new TextDecoder('utf-8', { fatal: true });

function readEntry(r: ByteReader, maxAddresses: number): MembershipEntry {
  const code = r.u8();
  const member = r.u64() as NodeId;
  if (code === OP_CODE.remove) return { op: 'remove', member };
  if (code !== OP_CODE.add && code !== OP_CODE.role) {
    throw new MalformedMembershipEntryError(`unknown op ${code}`);
  }
  const role = r.u8();
  if (!isMemberRole(role)) throw new MalformedMembershipEntryError(`unknown role ${role}`);
  if (code === OP_CODE.role) return { op: 'role', member, role };
  const signingPublicKey = r.bytes(MEMBER_KEY_LENGTH).slice();
  const agreementPublicKey = r.bytes(MEMBER_KEY_LENGTH).slice();
  const n = r.u8();
  if (n > maxAddresses) {
    throw new MalformedMembershipEntryError(`${n} addresses exceed ${maxAddresses}`);
  }
  const addresses: Endpoint[] = [];
  for (let i = 0; i < n; i++) {
    const port = r.u16();
    const len = r.u8();
    if (len > MAX_ADDRESS_LENGTH || port === 0) {
      throw new MalformedMembershipEntryError(`address ${i}: length ${len}, port ${port}`);
    }
    const text = ASCII.decode(r.bytes(len));
    const e = endpoint(text, port);
    if (!(e.family === 'IPv4' ? isIPv4Literal(text) : isIPv6Literal(text))) {
      throw new MalformedMembershipEntryError(`address ${i} is not an IP literal`);
    }
    addresses.push(e);
  }
  return { op: 'add', member, role, signingPublicKey, agreementPublicKey, addresses };
}

/**
 * Decodes an entry (see {@link encodeMembershipEntry}); the keys are copies. Truncated bytes,
 * trailing bytes, an unknown op or role, more than `maxAddresses` addresses or an address that
 * is not an IP literal is a {@link MalformedMembershipEntryError}.
 */
export function decodeMembershipEntry(
  bytes: Uint8Array,
  maxAddresses: number = MAX_MEMBER_ADDRESSES,
): MembershipEntry {
  const r = new ByteReader(bytes);
  let entry: MembershipEntry;
  try {
    entry = readEntry(r, maxAddresses);
  } catch (e) {
    if (MalformedMembershipEntryError.isInstance(e)) throw e;
    if (e instanceof TypeError || ElaraError.isInstance(e)) {
      throw new MalformedMembershipEntryError('membership entry does not parse', { cause: e });
    }
    throw e;
  }
  if (r.remaining !== 0) {
    throw new MalformedMembershipEntryError(`${r.remaining} bytes after the entry`);
  }
  return entry;
}

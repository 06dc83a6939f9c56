import {
  ByteReader,
  ByteWriter,
  EventType,
  InvalidWireFormatError,
  type MutationOp,
  type NodeId,
} from '@elara/core';
import { type AuthorityScope, isAuthorityScope } from './authority-scope.ts';

/**
 * A grant or revocation of a delegate's authority over one atom: a durable event of type
 * `AuthorityGrant` or `AuthorityRevoke` targeting the atom, by one of its owners, whose
 * mutation is `set(node:u64 LE ‖ scope:u8)` for a grant and `set(node:u64 LE)` for a
 * revocation. It takes effect for the delegate's events that follow it causally, on every
 * replica alike (see the README).
 *
 * @example
 * const grant = authorityChangeMutation({ grant: true, node: carol, scope: AuthorityScope.Append });
 * // envelope: { eventType: EventType.AuthorityGrant, target: chat, mutation: grant, ... }
 */
export type AuthorityChange =
  | { readonly grant: true; readonly node: NodeId; readonly scope: AuthorityScope }
  | { readonly grant: false; readonly node: NodeId };

/** The event type that carries a change. */
export function authorityChangeEventType(
  change: AuthorityChange,
): typeof EventType.AuthorityGrant | typeof EventType.AuthorityRevoke {
  return change.grant ? EventType.AuthorityGrant : EventType.AuthorityRevoke;
}

/** The `set` mutation that carries a change. */
export function authorityChangeMutation(change: AuthorityChange): MutationOp {
  const w = new ByteWriter(change.grant ? 9 : 8);
  w.u64(change.node);
  if (change.grant) w.u8(change.scope);
  return { type: 'set', data: w.finish() };
}

const reader = new ByteReader();

/**
 * Reads a change from an authority event's type and mutation, strictly; anything else is an
 * {@link InvalidWireFormatError} (or a `BufferTooShortError`).
 */
export function decodeAuthorityChange(eventType: EventType, m: MutationOp): AuthorityChange {
  if (m.type !== 'set') throw new InvalidWireFormatError('an authority change is carried by set');
  const r = reader.reset(m.data);
  const node = r.u64() as NodeId;
  if (eventType === EventType.AuthorityRevoke) {
    if (r.remaining !== 0) throw new InvalidWireFormatError('bytes after a revocation');
    return { grant: false, node };
  }
  if (eventType !== EventType.AuthorityGrant) {
    throw new InvalidWireFormatError(`event type ${eventType} is no authority change`);
  }
  const scope = r.u8();
  if (r.remaining !== 0) throw new InvalidWireFormatError('bytes after a grant');
  if (!isAuthorityScope(scope)) throw new InvalidWireFormatError(`unknown scope bits ${scope}`);
  return { grant: true, node, scope };
}

/** True for the event types that carry authority changes. */
export function isAuthorityEventType(type: EventType): boolean {
  return type === EventType.AuthorityGrant || type === EventType.AuthorityRevoke;
}

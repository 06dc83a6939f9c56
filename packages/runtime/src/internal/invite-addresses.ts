import { networkInterfaces } from 'node:os';
import { type Endpoint, OutOfRangeError, endpoint } from '@elara/core';
import { MAX_INVITE_ADDRESSES } from '@elara/crypto';

/** True for `0.0.0.0` and `::`: a socket bound there has no address of its own. */
function isUnspecified(address: string): boolean {
  return address === '0.0.0.0' || address === '::' || /^[0:]+$/.test(address);
}

/**
 * Where a joiner can reach this node: the bound address itself, or, for a wildcard bind, the
 * host's interface addresses with the bound port (external ones first, IPv4 before IPv6, link-local
 * IPv6 left out since it needs a scope). At most {@link MAX_INVITE_ADDRESSES}.
 */
export function inviteAddresses(local: Endpoint): Endpoint[] {
  if (!isUnspecified(local.address)) return [local];
  const found: { readonly e: Endpoint; readonly rank: number }[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const info of list ?? []) {
      if (info.family === 'IPv6' && (local.family === 'IPv4' || info.address.startsWith('fe80')))
        continue;
      const rank = (info.internal ? 2 : 0) + (info.family === 'IPv6' ? 1 : 0);
      found.push({ e: endpoint(info.address, local.port), rank });
    }
  }
  return found
    .sort((a, b) => a.rank - b.rank)
    .slice(0, MAX_INVITE_ADDRESSES)
    .map((f) => f.e);
}

/**
 * `addresses` given to `session.invite()`, checked for shape: an array of 1 to
 * {@link MAX_INVITE_ADDRESSES} endpoints (crypto's invite encoding then checks each literal and
 * port). Anything else is an `OutOfRangeError`, not a `TypeError` from deep in the encoder.
 */
export function checkedInviteAddresses(addresses: unknown): readonly Endpoint[] {
  if (
    !Array.isArray(addresses) ||
    addresses.length === 0 ||
    addresses.length > MAX_INVITE_ADDRESSES
  ) {
    throw new OutOfRangeError(
      `invite addresses must be an array of 1..${MAX_INVITE_ADDRESSES} endpoints`,
    );
  }
  for (const e of addresses as unknown[]) {
    const shaped =
      typeof e === 'object' &&
      e !== null &&
      typeof (e as Endpoint).address === 'string' &&
      typeof (e as Endpoint).port === 'number' &&
      ((e as Endpoint).family === 'IPv4' || (e as Endpoint).family === 'IPv6');
    if (!shaped) throw new OutOfRangeError(`invite address is not an Endpoint: ${String(e)}`);
  }
  return addresses as readonly Endpoint[];
}

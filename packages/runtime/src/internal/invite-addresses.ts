import { networkInterfaces } from 'node:os';
import { type Endpoint, endpoint } from '@elara/core';
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

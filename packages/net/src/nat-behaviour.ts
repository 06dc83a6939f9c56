import { endpoint, endpointEquals, type Endpoint } from '@elara/core';
import { networkInterfaces } from 'node:os';
import { encodeChangeRequest } from './stun-attributes.ts';
import type { BindingResult, StunClient, StunRetransmission } from './stun-client.ts';
import { StunAttr } from './stun-constants.ts';
import { StunTimeoutError } from './stun-errors.ts';
import { natTypeOf, type NatBehaviourFinding, type NatType } from './nat-type.ts';

/** What RFC 5780 NAT behaviour discovery found. */
export interface NatBehaviour {
  /** Our socket's address. */
  readonly local: Endpoint;
  /** Our server-reflexive address (test I). */
  readonly mapped: Endpoint;
  /**
   * False when the mapped address is our own (no NAT on the path to the server): the socket's
   * address, or for a socket bound to a wildcard (`0.0.0.0`, `::`) one of this host's interface
   * addresses with the socket's port.
   */
  readonly behindNat: boolean;
  /** The server's OTHER-ADDRESS; absent when it does not support RFC 5780. */
  readonly otherAddress?: Endpoint;
  /**
   * §4.3; absent when the server does not support RFC 5780; `'unknown'` when its OTHER-ADDRESS
   * has the primary's IP (the tests would then not change the destination IP).
   */
  readonly mapping?: NatBehaviourFinding;
  /**
   * §4.4; absent when the server does not support RFC 5780; `'unknown'` when an answer the
   * finding rests on did not come from where CHANGE-REQUEST asked (the server ignored it, so
   * the answer says nothing about filtering).
   */
  readonly filtering?: NatBehaviourFinding;
  /** The server answered from where CHANGE-REQUEST asked (RESPONSE-ORIGIN checked). */
  readonly changeRequestHonoured?: { readonly ipAndPort: boolean; readonly port: boolean };
  /** The reference's classification of these findings. */
  readonly natType: NatType;
}

/** Options of {@link discoverNatBehaviour}. */
export interface NatBehaviourOptions {
  /**
   * Retransmission for the filtering tests, whose answers a filtering NAT drops: a timeout is
   * the finding there, so keep it short. Default: 3 transmissions from 200 ms (~1.8 s).
   */
  readonly filteringRetransmission?: StunRetransmission;
  readonly signal?: AbortSignal;
  /**
   * This host's interface addresses, against which the mapped address of a socket bound to a
   * wildcard is compared. Default: every address of `os.networkInterfaces()`.
   */
  readonly interfaceAddresses?: () => readonly string[];
}

const WILDCARDS = new Set(['0.0.0.0', '::']);

function hostAddresses(): string[] {
  return Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((i) => i.address));
}

/** `::ffff:a.b.c.d` as `a.b.c.d` (how a dual-stack socket may see an IPv4 peer). */
function unmapped(address: string): string {
  return address.toLowerCase().startsWith('::ffff:') && address.includes('.')
    ? address.slice(7)
    : address.toLowerCase();
}

/**
 * Whether `mapped` is our own address: the socket's, or (bound to a wildcard, where
 * `localAddress` names no interface) an interface address with the socket's port.
 */
function isOwnAddress(
  mapped: Endpoint,
  local: Endpoint,
  interfaces: () => readonly string[],
): boolean {
  if (!WILDCARDS.has(local.address)) return endpointEquals(mapped, local);
  if (mapped.port !== local.port) return false;
  const own = unmapped(mapped.address);
  return interfaces().some((a) => unmapped(a.split('%')[0] ?? a) === own);
}

/**
 * RFC 5780 NAT behaviour discovery through `server` (§4.3 mapping, §4.4 filtering), on the
 * client's own socket. Test I asks for our mapped address and the server's OTHER-ADDRESS;
 * without one the server does not support RFC 5780 and only the mapped address is reported.
 * Mapping: tests II and III ask the other IP (same port), then the other IP and port, and
 * compare mapped addresses. Filtering: tests II and III ask the server to answer from its other
 * IP and port, then from its other port only (CHANGE-REQUEST); an answer that does not come
 * means the NAT filtered it.
 *
 * @example
 * const b = await discoverNatBehaviour(stun, server);
 * if (b.mapping !== 'endpoint-independent') preferRelay();
 */
export async function discoverNatBehaviour(
  stun: StunClient,
  server: Endpoint,
  options: NatBehaviourOptions = {},
): Promise<NatBehaviour> {
  const signal = options.signal === undefined ? {} : { signal: options.signal };
  const local = stun.transport.localAddress;
  const one = await stun.binding(server, signal);
  const behindNat = !isOwnAddress(one.mapped, local, options.interfaceAddresses ?? hostAddresses);
  const other = one.otherAddress;
  if (other === undefined)
    return { local, mapped: one.mapped, behindNat, natType: natTypeOf({ behindNat }) };

  // Mapping (§4.3): test II must reach another IP of the server, or it decides nothing.
  let mapping: NatBehaviourFinding = 'endpoint-independent';
  let mappedIpStable = true;
  const otherIp = unmapped(other.address) !== unmapped(server.address);
  const two = otherIp ? await stun.binding(endpoint(other.address, server.port), signal) : one;
  if (!otherIp) mapping = 'unknown';
  else if (!endpointEquals(two.mapped, one.mapped)) {
    const three = await stun.binding(other, signal);
    mapping = endpointEquals(three.mapped, two.mapped)
      ? 'address-dependent'
      : 'address-and-port-dependent';
    mappedIpStable = [two, three].every((r) => r.mapped.address === one.mapped.address);
  }

  // Filtering (§4.4).
  const retransmission = options.filteringRetransmission ?? {
    rtoUs: 200_000,
    maxTransmissions: 3,
    lastWaitFactor: 3,
  };
  const changed = async (ip: boolean): Promise<BindingResult | undefined> => {
    try {
      return await stun.binding(server, {
        ...retransmission,
        ...signal,
        fromAnyAddress: true,
        attributes: [{ type: StunAttr.ChangeRequest, value: encodeChangeRequest(ip, true) }],
      });
    } catch (e) {
      if (StunTimeoutError.isInstance(e)) return undefined;
      throw e;
    }
  };
  const ipAndPort = await changed(true);
  // Test III decides only when test II failed; it always runs, so the report says whether the
  // server honours a port-only change too.
  const port = await changed(false);
  const honoured = (r: BindingResult | undefined, ip: boolean): boolean =>
    r !== undefined &&
    r.from.port === other.port &&
    (ip ? r.from.address === other.address : r.from.address === server.address);
  // An answer from an address CHANGE-REQUEST did not ask for passed no filter worth the name:
  // the finding it would support is inconclusive. (A timeout is a finding either way.)
  let filtering: NatBehaviourFinding;
  if (ipAndPort !== undefined)
    filtering = honoured(ipAndPort, true) ? 'endpoint-independent' : 'unknown';
  else if (port !== undefined) filtering = honoured(port, false) ? 'address-dependent' : 'unknown';
  else filtering = 'address-and-port-dependent';
  return {
    local,
    mapped: one.mapped,
    behindNat,
    otherAddress: other,
    mapping,
    filtering,
    changeRequestHonoured: {
      ipAndPort: honoured(ipAndPort, true),
      port: honoured(port, false),
    },
    natType: natTypeOf({ behindNat, mapping, filtering, mappedIpStable }),
  };
}

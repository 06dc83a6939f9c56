import { endpoint, endpointEquals, type Endpoint } from '@elara/core';
import { encodeChangeRequest } from './stun-attributes.ts';
import type { BindingResult, StunClient, StunRetransmission } from './stun-client.ts';
import { StunAttr } from './stun-constants.ts';
import { StunTimeoutError } from './stun-errors.ts';
import { natTypeOf, type NatBehaviourKind, type NatType } from './nat-type.ts';

/** What RFC 5780 NAT behaviour discovery found. */
export interface NatBehaviour {
  /** Our socket's address. */
  readonly local: Endpoint;
  /** Our server-reflexive address (test I). */
  readonly mapped: Endpoint;
  /** False when the mapped address is our own (no NAT on the path to the server). */
  readonly behindNat: boolean;
  /** The server's OTHER-ADDRESS; absent when it does not support RFC 5780. */
  readonly otherAddress?: Endpoint;
  /** §4.3; absent when the server does not support RFC 5780. */
  readonly mapping?: NatBehaviourKind;
  /** §4.4; absent when the server does not support RFC 5780. */
  readonly filtering?: NatBehaviourKind;
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
  const behindNat = !endpointEquals(one.mapped, local);
  const other = one.otherAddress;
  if (other === undefined)
    return { local, mapped: one.mapped, behindNat, natType: natTypeOf({ behindNat }) };

  // Mapping (§4.3).
  const two = await stun.binding(endpoint(other.address, server.port), signal);
  let mapping: NatBehaviourKind = 'endpoint-independent';
  let mappedIpStable = true;
  if (!endpointEquals(two.mapped, one.mapped)) {
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
  let filtering: NatBehaviourKind = 'endpoint-independent';
  const ipAndPort = await changed(true);
  // Test III decides only when test II failed; it always runs, so the report says whether the
  // server honours a port-only change too.
  const port = await changed(false);
  if (ipAndPort === undefined)
    filtering = port === undefined ? 'address-and-port-dependent' : 'address-dependent';
  const honoured = (r: BindingResult | undefined, ip: boolean): boolean =>
    r !== undefined &&
    r.from.port === other.port &&
    (ip ? r.from.address === other.address : r.from.address === server.address);
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

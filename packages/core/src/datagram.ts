import type { Endpoint } from './endpoint.ts';

/**
 * One received datagram, independent of the transport (UDP, relayed, simulated). `data` may be
 * a view into a transport buffer that is reused after the callback returns: copy what you keep.
 */
export interface Datagram {
  readonly data: Uint8Array;
  /** The remote address it came from (for relayed traffic: the peer's address at the relay). */
  readonly from: Endpoint;
  /** Receive time on the receiver's clock, µs. */
  readonly receivedAt: number;
}

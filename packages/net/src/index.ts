// The Transport contract
export { type Transport, type SendResult } from './transport.ts';
export { type TransportCounters, transportCounters, sendRefused } from './transport-counters.ts';
export {
  DEFAULT_MAX_DATAGRAM_SIZE,
  MAX_DATAGRAM_SIZE,
  DEFAULT_MAX_RECEIVE_BYTES,
  DEFAULT_SEND_QUEUE_LENGTH,
  DEFAULT_BURST,
  type PacingOptions,
  type TransportLimitOptions,
  type TransportLimits,
  resolveTransportLimits,
} from './transport-limits.ts';
export {
  DatagramTooLargeError,
  TransportClosedError,
  InvalidDestinationError,
  SocketError,
  PeerUnreachableError,
  BindError,
  HandlerError,
} from './net-errors.ts';

// UDP
export { UdpTransport, type UdpTransportOptions } from './udp-transport.ts';

// Demultiplexing one socket
export {
  DatagramKind,
  DATAGRAM_KINDS,
  STUN_MAGIC_COOKIE,
  STUN_HEADER_BYTES,
  CHANNEL_DATA_HEADER_BYTES,
  classifyDatagram,
} from './datagram-kind.ts';
export { Demultiplexer, type DemuxCounters, type DatagramHandler } from './demultiplexer.ts';

// The simulated network
export {
  SimNetwork,
  type SimNetworkOptions,
  type SimNetworkStats,
  type SimTransportOptions,
  type SimTraceEvent,
  type SimDropReason,
} from './sim-network.ts';
export { SimTransport } from './sim-transport.ts';

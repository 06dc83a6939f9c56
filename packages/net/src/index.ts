// The Transport contract
export { type Transport, type SendResult, type DatagramHandler } from './transport.ts';
export { type TransportCounters, transportCounters, sendRefused } from './transport-counters.ts';
export {
  DEFAULT_MAX_DATAGRAM_SIZE,
  MAX_DATAGRAM_SIZE,
  MAX_CARRIER_DATAGRAM_SIZE,
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
export { Demultiplexer, type DemuxCounters } from './demultiplexer.ts';

// The simulated network
export {
  SimNetwork,
  DEFAULT_SIM_MAX_IN_FLIGHT,
  type SimNetworkOptions,
  type SimNetworkStats,
  type SimTransportOptions,
  type SimTraceEvent,
  type SimDropReason,
} from './sim-network.ts';
export { SimTransport } from './sim-transport.ts';

// STUN (RFC 8489) on the shared socket
export {
  StunMethod,
  StunClass,
  StunAttr,
  StunErrorCode,
  STUN_FINGERPRINT_XOR,
  STUN_TRANSACTION_ID_BYTES,
  STUN_INTEGRITY_BYTES,
} from './stun-constants.ts';
export {
  type StunAttribute,
  type StunMessage,
  type StunMessageInit,
  stunMessageType,
  decodeStunMessage,
  encodeStunMessage,
  stunAttribute,
} from './stun-message.ts';
export {
  type StunErrorValue,
  decodeStunAddress,
  encodeStunAddress,
  decodeStunErrorCode,
  encodeStunErrorCode,
  decodeStunU32,
  encodeStunU32,
  decodeStunChannelNumber,
  encodeStunChannelNumber,
  encodeChangeRequest,
  REQUESTED_TRANSPORT_UDP,
  encodeStunText,
  decodeStunText,
} from './stun-attributes.ts';
export { longTermKey, verifyFingerprint, verifyIntegrity } from './stun-integrity.ts';
export { bindingRequest, mappedAddressOf } from './stun-binding.ts';
export {
  StunFormatError,
  StunTimeoutError,
  StunPendingLimitError,
  StunErrorResponseError,
} from './stun-errors.ts';
export {
  StunClient,
  throwIfError,
  STUN_DEFAULT_RTO_US,
  STUN_DEFAULT_MAX_TRANSMISSIONS,
  STUN_DEFAULT_LAST_WAIT_FACTOR,
  STUN_DEFAULT_MAX_PENDING,
  bindingCheckPadding,
  type StunClientOptions,
  type StunClientCounters,
  type StunRetransmission,
  type StunRequest,
  type StunAttributes,
  type StunResponse,
  type BindingResult,
  type StunIndicationHandler,
} from './stun-client.ts';

// TURN (RFC 8656) and the relayed transport
export {
  CHANNEL_NUMBER_MIN,
  CHANNEL_NUMBER_MAX,
  type ChannelData,
  encodeChannelData,
  decodeChannelData,
} from './channel-data.ts';
export {
  TurnAuthenticationError,
  TurnQuotaError,
  TurnAllocationMismatchError,
  TurnAllocationExpiredError,
  TurnPermissionExpiredError,
} from './turn-errors.ts';
export {
  TurnClient,
  type TurnClientOptions,
  type TurnClientCounters,
  type TurnState,
  type TurnDataHandler,
  type TurnOperationOptions,
  TURN_MIN_LIFETIME_S,
} from './turn-client.ts';
export {
  RelayedTransport,
  RELAY_OVERHEAD,
  type RelayedTransportOptions,
} from './relayed-transport.ts';

// NAT behaviour (RFC 5780) and the reference's NAT types
export {
  NatType,
  type NatTypeProperties,
  type NatBehaviourKind,
  type NatBehaviourFinding,
  natTypeProperties,
  natTypeOf,
} from './nat-type.ts';
export {
  discoverNatBehaviour,
  type NatBehaviour,
  type NatBehaviourOptions,
} from './nat-behaviour.ts';
export {
  type StunServerAddress,
  type HostResolver,
  parseStunServer,
  resolveStunServer,
} from './stun-server-address.ts';

// Path selection (direct or relayed)
export {
  PathSelector,
  type SelectedPath,
  type PathSelectorOptions,
  type PathSelectorCounters,
} from './path-selector.ts';

// Errors
export { ElaraError, OutOfRangeError, ParseError, ClosedError } from './elara-error.ts';
export {
  WireError,
  BufferTooShortError,
  InvalidWireFormatError,
  TooLargeError,
  UnknownEnumValueError,
} from './wire-errors.ts';

// Bytes
export { ByteReader } from './byte-reader.ts';
export { ByteWriter } from './byte-writer.ts';
export { U64_MAX, toU64, u64ToHex, u64FromHex } from './u64.ts';

// Identifiers
export { type NodeId, nodeId, nodeIdToHex, nodeIdFromHex, formatNodeId } from './node-id.ts';
export {
  type SessionId,
  sessionId,
  sessionIdToHex,
  sessionIdFromHex,
  formatSessionId,
} from './session-id.ts';
export {
  type StateId,
  StateTypePrefix,
  stateId,
  stateIdFromParts,
  stateIdStrict,
  stateIdType,
  stateIdInstance,
  formatStateId,
  parseStateId,
} from './state-id.ts';
export {
  type MessageId,
  messageId,
  messageIdFromEvent,
  messageIdToHex,
  messageIdFromHex,
  formatMessageId,
} from './message-id.ts';
export {
  type EventId,
  MAX_EVENT_SEQ,
  eventId,
  compareEventIds,
  eventIdEquals,
  eventIdKey,
  formatEventId,
} from './event-id.ts';

// Enumerations
export {
  PacketClass,
  PACKET_CLASSES,
  type PacketClassProperties,
  isPacketClass,
  packetClassFromByte,
  packetClassProperties,
} from './packet-class.ts';
export {
  RepresentationProfile,
  representationProfileFromByte,
  isMspProfile,
} from './representation-profile.ts';
export {
  EventType,
  eventTypeFromByte,
  isCoreProtocolEvent,
  packetClassForEvent,
  profileForEvent,
  stateTypeForEvent,
} from './event-type.ts';
export { StateType, stateTypeImportance, stateTypePacketClass, isStateType } from './state-type.ts';
export {
  DegradationLevel,
  degradationLevelFromByte,
  degrade,
  improve,
} from './degradation-level.ts';
export { ExtensionType, EXTENSION_VALUE_LENGTH } from './extension-type.ts';
export { SwarmRole, swarmRoleFromByte } from './swarm-role.ts';
export { WireVersion, SuiteNibble, suiteNibbleFromValue, V1_FIRST_BYTE } from './wire-version.ts';
export { FrameFlags, type FrameFlag, hasFlag } from './frame-flags.ts';

// Time, scheduling, randomness
export { type Clock, systemClock } from './clock.ts';
export { type Scheduler, type Cancel, after, realTimeScheduler } from './scheduler.ts';
export { type RandomSource, randomBytes, randomU64, secureRandomSource } from './random-source.ts';
export {
  type StateTime,
  type PerceptualTime,
  WIRE_OFFSET_UNIT_US,
  toWireOffset,
  fromWireOffset,
  saturatingElapsed,
} from './state-time.ts';
export { type TimeIntent, NOW_INTENT, timeIntentToAbsolute } from './time-intent.ts';

// Shared types
export {
  type Endpoint,
  endpoint,
  formatEndpoint,
  parseEndpoint,
  endpointEquals,
  endpointKey,
} from './endpoint.ts';
export { isIPv4Literal, isIPv6Literal } from './ip-literal.ts';
export { type Datagram } from './datagram.ts';
export { EventKind, eventKindForStateType } from './event-kind.ts';
export { type EventSigner, type EventVerifier, SIGNATURE_LENGTH } from './event-signing.ts';

// Wire: v0 (the reference's bytes) and v1 (Elara)
export {
  type FixedHeader,
  FIXED_HEADER_SIZE,
  fixedHeader,
  encodeHeader,
  decodeHeader,
  decodeHeaderV1,
  checkHeaderV1,
} from './wire/header.ts';
export {
  type HeaderExtensions,
  type FragmentInfo,
  type DecodedExtensions,
  MAX_CAUSALITY_REF_LENGTH,
  NO_EXTENSIONS,
  hasExtensions,
  extensionsSize,
  checkExtensions,
  encodeExtensions,
  decodeExtensions,
} from './wire/extensions.ts';
export {
  type Frame,
  AUTH_TAG_SIZE,
  MIN_FRAME_SIZE,
  MAX_FRAME_SIZE,
  MAX_PAYLOAD_SIZE,
  frameSize,
  encodeFrame,
  encodeFrameInto,
  frameAssociatedData,
  decodeFrame,
  decodeFrameV1,
} from './wire/frame.ts';
export {
  type MutationOp,
  type DecodedMutationOp,
  MutationOpTag,
  MAX_MUTATION_DATA,
  mutationOpSize,
  encodeMutationOp,
  encodeMutationOpInto,
  decodeMutationOp,
  decodeMutationOpAt,
} from './wire/mutation-op.ts';
export {
  type VersionVector,
  type ReadonlyVersionVector,
  type VersionOrder,
  VERSION_VECTOR_ENTRY_SIZE,
  versionVector,
  vvGet,
  vvSet,
  vvIncrement,
  vvMerge,
  vvMergeInto,
  vvCompare,
  vvHappensBefore,
  vvConcurrent,
  vvEquals,
  versionVectorSize,
  encodeVersionVector,
  encodeVersionVectorInto,
  decodeVersionVector,
} from './wire/version-vector.ts';
export {
  type EventBlock,
  type V0Event,
  type DecodedEventBlock,
  type DecodedEventBlocks,
  EVENT_BLOCK_OVERHEAD,
  eventBlockSize,
  encodeEventBlock,
  encodeEventBlockInto,
  decodeEventBlock,
  decodeEventBlocks,
} from './wire/event-block.ts';
export { PayloadKind, payloadKind } from './wire/payload-kind.ts';
export {
  type EventEnvelope,
  type DurableEnvelope,
  type EphemeralEnvelope,
  type UnsignedDurableEnvelope,
  MAX_DEPENDENCIES,
  MAX_ENVELOPE_SIZE,
  ENVELOPE_COMMON_SIZE,
  DEPENDENCY_SIZE,
  envelopeSize,
  unsignedEnvelopeSize,
  encodeEnvelope,
  encodeEnvelopeInto,
  encodeUnsignedEnvelopeInto,
  decodeEnvelope,
} from './wire/v1-envelope.ts';
export {
  EVENT_SIGNING_LABEL,
  eventSigningBytes,
  eventSigningBytesFromWire,
  signEnvelope,
  verifyEnvelope,
  verifyEnvelopeBytes,
} from './wire/event-signing-bytes.ts';
export {
  BATCH_ENTRY_OVERHEAD,
  eventBatchSize,
  encodeEventBatch,
  splitEventBatch,
  decodeEventBatch,
  packEventBatches,
} from './wire/event-batch.ts';
export {
  type ControlMessage,
  type HandshakeMessage,
  type HeartbeatMessage,
  type TimeSyncRequestMessage,
  type TimeSyncResponseMessage,
  type RepairRequestMessage,
  type RepairResponseMessage,
  type AckMessage,
  type SeqRange,
  type ControlDecodeOptions,
  ControlType,
  MAX_REPAIR_RANGES,
  MAX_REPAIR_RANGE_SPAN,
  controlMessageSize,
  encodeControlMessage,
  decodeControlMessage,
} from './wire/control-message.ts';
export {
  type Fragment,
  type FragmentOptions,
  FRAGMENT_HEADER_SIZE,
  MAX_FRAGMENTS,
  fragmentPayload,
  encodeFragment,
  decodeFragment,
} from './wire/fragment.ts';
export {
  type ReassemblerConfig,
  type ReassemblyResult,
  type ReassemblyRejection,
  type ReassemblerCounters,
  DEFAULT_REASSEMBLER_CONFIG,
  REASSEMBLER_FRAGMENT_OVERHEAD,
  REASSEMBLER_MESSAGE_OVERHEAD,
  Reassembler,
} from './wire/reassembler.ts';

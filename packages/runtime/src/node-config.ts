import {
  type Clock,
  DEFAULT_REASSEMBLER_CONFIG,
  DegradationLevel,
  type Endpoint,
  MAX_REPAIR_RANGES,
  MAX_REPAIR_RANGE_SPAN,
  type NodeId,
  type ReassemblerConfig,
  type Scheduler,
  isIPv4Literal,
  isIPv6Literal,
  parseEndpoint,
} from '@elara/core';
import {
  type CryptoProvider,
  DEFAULT_INITIATOR_TIMERS,
  DEFAULT_RESPONDER_LIMITS,
  Identity,
  type InitiatorTimers,
  MAX_INVITE_ADDRESSES,
  type ResponderLimits,
} from '@elara/crypto';
import { MAX_DATAGRAM_SIZE, type Transport, parseStunServer } from '@elara/net';
import {
  DEFAULT_EVENT_STORE_LIMITS,
  DEFAULT_FIELD_LIMITS,
  DEFAULT_LOCAL_LOG_LIMITS,
  type EventStoreLimits,
  type FieldLimits,
} from '@elara/state';
import { type StreamOptionsInput, streamOptions } from '@elara/streams';
import { ClockSync, type ClockSyncConfig, StateClock } from '@elara/time';
import { NodeConfigError } from './runtime-errors.ts';

/**
 * Where the degradation ladder may take this node's media (used by streams' ladder; text,
 * presence and typing never degrade). `initial` must not be worse than `floor`.
 */
export interface DegradationConfig {
  /** The level media starts at. Default L0 (full perception). */
  readonly initial: DegradationLevel;
  /** The worst level the ladder may reach; the session is never dropped. Default L5. */
  readonly floor: DegradationLevel;
}

/** A TURN server for relayed paths: `host:port` (or `[v6]:port`) and long-term credentials. */
export interface TurnServerConfig {
  readonly server: string;
  readonly username: string;
  readonly password: string;
}

/** The node's bounded tables and buffers. Every one has a default; all are checked. */
export interface NodeLimits {
  /** Sessions held at once (created and joined). Default 16. */
  readonly maxSessions: number;
  /** Handshakes this node initiates at once (joins in progress). Default 64. */
  readonly maxPendingHandshakes: number;
  /**
   * Size budget of the transport the node creates, bytes (at most 1400, a whole frame). An
   * injected transport brings its own; frames are cut to the smaller of the two. Default 1200.
   */
  readonly maxDatagramSize: number;
  /** Send queue of the transport the node creates, datagrams. Default 1024. */
  readonly sendQueueLength: number;
  /** Fragment reassembly per session (core's `ReassemblerConfig`). */
  readonly reassembly: Required<ReassemblerConfig>;
  /** The handshake responder's tables and timers (crypto's `ResponderLimits`). */
  readonly responder: ResponderLimits;
  /** Retries of the handshakes this node initiates (crypto's `InitiatorTimers`). */
  readonly initiator: InitiatorTimers;
  /** Each session's state field (state's `FieldLimits`: atoms, authors, quarantine…). */
  readonly field: FieldLimits;
  /** Each session's store of durable events for repair (state's `EventStoreLimits`). */
  readonly store: EventStoreLimits;
  /** Encoded bytes of each session's local log (its event bound is `eventBufferSize`). */
  readonly localLogBytes: number;
  /** Most events one repair answer carries (the rest follow on the next digest). */
  readonly repairEvents: number;
  /**
   * Most seqs a gap reaches above what is processed: a peer's larger claimed head is cut to it
   * (the rest is learned as the gap closes). Default: one full targeted request (255 ranges of
   * 1024 seqs), also its maximum.
   */
  readonly maxGapAhead: number;
  /** Requests for a gap that bring nothing before it is dropped (a new sighting brings it back). Default 8. */
  readonly maxGapTries: number;
  /** Repair requests answered per peer and second, sustained (beyond: `RepairRateLimited`). Default 20. */
  readonly repairAnswerRate: number;
  /** Repair requests answered per peer at once (the bucket's depth). Default 40. */
  readonly repairAnswerBurst: number;
  /**
   * Peers the TURN relay is asked for permissions (channels) over the allocation's life: a
   * lifetime count, never released (a channel that moved back to the direct path or closed
   * keeps its permission); beyond it, no further peer is reached through the relay. Default 256.
   */
  readonly relayPermissions: number;
}

/**
 * Everything a {@link Node} is built from. All optional: `await Node.create()` makes a node with
 * a fresh identity on `127.0.0.1`, port chosen by the system. Times are µs, like every clock in
 * Elara. Checked by {@link resolveNodeConfig}: any bad field is a {@link NodeConfigError} naming it.
 *
 * The first six fields are the seed's (`elara-runtime` README); the rest are Elara's.
 *
 * @example
 * const node = await Node.create({ bindAddr: '0.0.0.0:4433', maxPeers: 32, tickIntervalUs: 10_000 });
 */
export interface NodeConfig {
  /**
   * The seed's `node_id`. A NodeId is derived from the identity's Ed25519 key (PROTOCOL.md §9), so
   * it cannot be chosen: given with `identity`, it must match it (a check against the wrong key
   * file); given alone, it is refused.
   */
  readonly nodeId?: NodeId;
  /** The node's identity, or its exported bytes (`Identity.export()`). Default: a fresh one. */
  readonly identity?: Identity | Uint8Array;
  /** Address the node's UDP socket binds: `ip:port`, `[v6]:port` or an `Endpoint`. Default `127.0.0.1:0`. */
  readonly bindAddr?: string | Endpoint;
  /** Pairwise channels held at once, over all sessions. Default 64. */
  readonly maxPeers?: number;
  /**
   * Events each session holds for sending: its local log of durable events not yet
   * acknowledged by every member (when full, `send()` fails with state's `LocalLogFullError`),
   * and each peer's queue of events waiting for room in the transport. Default 1024.
   */
  readonly eventBufferSize?: number;
  /**
   * The seed's `prediction_entropy`: how much uncertainty predictors may add before their output
   * counts as a guess, 0–1. Kept for the voice and visual predictors (later parts); text,
   * presence and typing do not predict. Default 0.5.
   */
  readonly predictionEntropy?: number;
  /** The seed's `degradation_config`. */
  readonly degradation?: Partial<DegradationConfig>;
  /** Period of the node's tick (handshake retries, heartbeats, expiry, counters). Default 20 ms. */
  readonly tickIntervalUs?: number;
  /** Period of heartbeats and round-trip probes to each peer. Default 1 s. */
  readonly heartbeatIntervalUs?: number;
  /** A peer unheard for this long shows as disconnected. At least two heartbeats. Default 10 s. */
  readonly peerTimeoutUs?: number;
  /**
   * Period of the digest this node sends to one peer in turn (what gap detection cannot see: a
   * lost last event, an offline period). At least one heartbeat. Default 4 heartbeat intervals.
   */
  readonly digestIntervalUs?: number;
  /**
   * How soon a channel that went through the TURN relay tries the direct path again: the first
   * probe this long after the channel was made, then twice as long after each one up to
   * `directProbeCeilingUs`. 0: never (relayed channels stay relayed). Default 5 s.
   */
  readonly directProbeIntervalUs?: number;
  /** The longest wait between two probes of the direct path. Default 60 s. */
  readonly directProbeCeilingUs?: number;
  /**
   * The longest wait between two dials of a member without a live channel (the waits start at
   * `peerTimeoutUs` and double up to it). At least `peerTimeoutUs`. Default 4 × `peerTimeoutUs`.
   */
  readonly dialRetryCeilingUs?: number;
  /** Default lifetime of `session.invite()`. Default 1 h. */
  readonly inviteLifetimeUs?: number;
  /**
   * Where joiners reach this node, written into invites. Default: the bound address, or for a
   * wildcard bind (`0.0.0.0`, `::`) the host's interface addresses with the bound port.
   */
  readonly advertisedAddresses?: readonly Endpoint[];
  /** STUN servers (`host:port`), for the node's public address. */
  readonly stunServers?: readonly string[];
  /** TURN servers, for relayed paths (runtime part 2). */
  readonly turnServers?: readonly TurnServerConfig[];
  /**
   * Limits and atom parameters of the sessions' streams (text sizes, presence timeout, typing
   * TTL). They define atoms, so every member of a session must use the same. Default: streams'.
   */
  readonly streams?: StreamOptionsInput;
  /** Crypto provider. Default: `defaultCryptoProvider()` (node:crypto). */
  readonly crypto?: CryptoProvider;
  /**
   * The transport to use instead of a UDP socket (a `SimNetwork` transport, a relayed one). The
   * node does not close a transport it was given; `bindAddr` must then be absent.
   */
  readonly transport?: Transport;
  /** Clock and timers of the whole node. Default: real time on `systemClock()`. */
  readonly scheduler?: Scheduler;
  /**
   * The local clock τs is built on and clock synchronisation reads (Unix-epoch µs). Default: the
   * scheduler. A simulation gives each node its own skewed clock here, so sessions must bring
   * their τs together.
   */
  readonly clock?: Clock;
  /**
   * Clock synchronisation of each session (time's `ClockSyncConfig`: request pacing, windows,
   * the consensus rule, the join). Default: time's.
   */
  readonly timeSync?: Partial<ClockSyncConfig>;
  readonly limits?: Partial<
    Omit<NodeLimits, 'reassembly' | 'responder' | 'initiator' | 'field' | 'store'> & {
      readonly reassembly: Partial<ReassemblerConfig>;
      readonly responder: Partial<ResponderLimits>;
      readonly initiator: Partial<InitiatorTimers>;
      readonly field: Partial<FieldLimits>;
      readonly store: Partial<EventStoreLimits>;
    }
  >;
}

/** A {@link NodeConfig} with every default filled in and every field checked. */
export interface ResolvedNodeConfig {
  readonly nodeId: NodeId | undefined;
  readonly identity: Identity | Uint8Array | undefined;
  readonly bindAddr: Endpoint | undefined;
  readonly maxPeers: number;
  readonly eventBufferSize: number;
  readonly predictionEntropy: number;
  readonly degradation: DegradationConfig;
  readonly tickIntervalUs: number;
  readonly heartbeatIntervalUs: number;
  readonly peerTimeoutUs: number;
  readonly digestIntervalUs: number;
  readonly dialRetryCeilingUs: number;
  readonly directProbeIntervalUs: number;
  readonly directProbeCeilingUs: number;
  readonly inviteLifetimeUs: number;
  readonly advertisedAddresses: readonly Endpoint[] | undefined;
  readonly stunServers: readonly string[];
  readonly turnServers: readonly TurnServerConfig[];
  readonly streams: StreamOptionsInput;
  readonly crypto: CryptoProvider | undefined;
  readonly transport: Transport | undefined;
  readonly scheduler: Scheduler | undefined;
  readonly clock: Clock | undefined;
  readonly timeSync: ClockSyncConfig;
  readonly limits: NodeLimits;
}

/** The defaults of the numeric {@link NodeConfig} fields. */
export const NODE_CONFIG_DEFAULTS = Object.freeze({
  bindAddr: '127.0.0.1:0',
  maxPeers: 64,
  eventBufferSize: 1024,
  predictionEntropy: 0.5,
  tickIntervalUs: 20_000,
  heartbeatIntervalUs: 1_000_000,
  peerTimeoutUs: 10_000_000,
  inviteLifetimeUs: 3_600_000_000,
  maxSessions: 16,
  maxPendingHandshakes: 64,
  maxDatagramSize: 1200,
  sendQueueLength: 1024,
  repairEvents: 256,
  maxGapAhead: MAX_REPAIR_RANGES * MAX_REPAIR_RANGE_SPAN,
  maxGapTries: 8,
  repairAnswerRate: 20,
  repairAnswerBurst: 40,
  relayPermissions: 256,
  directProbeIntervalUs: 5_000_000,
  directProbeCeilingUs: 60_000_000,
  /** In heartbeat intervals. */
  digestHeartbeats: 4,
  /** In `peerTimeoutUs`. */
  dialRetryCeilingTimeouts: 4,
});

const HOUR_US = 3_600_000_000;

/** Every field of `limits` (a misspelt one is refused, not silently ignored). */
const LIMIT_FIELDS: Record<keyof NodeLimits, true> = {
  maxSessions: true,
  maxPendingHandshakes: true,
  maxDatagramSize: true,
  sendQueueLength: true,
  reassembly: true,
  responder: true,
  initiator: true,
  field: true,
  store: true,
  localLogBytes: true,
  repairEvents: true,
  maxGapAhead: true,
  maxGapTries: true,
  repairAnswerRate: true,
  repairAnswerBurst: true,
  relayPermissions: true,
};

const DEGRADATION_FIELDS: Record<keyof DegradationConfig, true> = { initial: true, floor: true };

function integer(field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new NodeConfigError(field, `must be an integer in ${min}..${max}, got ${String(value)}`);
  }
  return value;
}

function level(field: string, value: unknown): DegradationLevel {
  return integer(
    field,
    value,
    DegradationLevel.L0FullPerception,
    DegradationLevel.L5LatentPresence,
  ) as DegradationLevel;
}

function endpointOf(field: string, value: unknown): Endpoint {
  if (typeof value === 'string') {
    try {
      return parseEndpoint(value);
    } catch (e) {
      throw new NodeConfigError(field, `not ip:port or [v6]:port: ${value}`, { cause: e });
    }
  }
  const e = value as Endpoint | undefined;
  const literal =
    e !== undefined &&
    typeof e === 'object' &&
    ((e.family === 'IPv4' && isIPv4Literal(e.address)) ||
      (e.family === 'IPv6' && isIPv6Literal(e.address)));
  if (!literal) throw new NodeConfigError(field, 'not an Endpoint with an IP literal');
  return {
    family: e.family,
    address: e.address,
    port: integer(`${field}.port`, e.port, 0, 65_535),
  };
}

function listOf<T>(field: string, value: unknown): readonly T[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new NodeConfigError(field, 'must be an array');
  return value as readonly T[];
}

/**
 * `given` as a record: undefined (nothing set), or a plain object each of whose keys `known`
 * has. A non-object or an unknown key is a {@link NodeConfigError} naming it.
 */
function recordOf(field: string, given: unknown, known: object): Record<string, unknown> {
  if (given === undefined) return {};
  if (typeof given !== 'object' || given === null || Array.isArray(given)) {
    throw new NodeConfigError(field, 'must be an object');
  }
  for (const key of Object.keys(given)) {
    if (!Object.hasOwn(known, key)) throw new NodeConfigError(`${field}.${key}`, 'is not a field');
  }
  return given as Record<string, unknown>;
}

function has(value: unknown, ...members: string[]): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    members.every((m) => m in (value as Record<string, unknown>))
  );
}

function positiveRecord<T extends object>(
  field: string,
  defaults: T,
  given: unknown,
  fractions = false,
): T {
  const merged = { ...defaults, ...(recordOf(field, given, defaults) as Partial<T>) };
  for (const [key, value] of Object.entries(merged)) {
    if (fractions && !Number.isInteger((defaults as Record<string, unknown>)[key])) {
      // A fraction in the defaults (a threshold): any finite number above 0.
      if (typeof value !== 'number' || !(value > 0 && Number.isFinite(value))) {
        throw new NodeConfigError(
          `${field}.${key}`,
          `must be a number above 0, got ${String(value)}`,
        );
      }
    } else integer(`${field}.${key}`, value, 1, Number.MAX_SAFE_INTEGER);
  }
  return merged;
}

function checkedStreams(
  given: StreamOptionsInput | undefined,
  tickIntervalUs: number,
): StreamOptionsInput {
  let timeoutUs: number;
  try {
    timeoutUs = streamOptions(given).presence.timeoutUs;
  } catch (e) {
    throw new NodeConfigError('streams', (e as Error).message, { cause: e });
  }
  // The tick repeats this node's presence every third of the timeout: it needs room for three.
  if (timeoutUs < 3 * tickIntervalUs) {
    throw new NodeConfigError(
      'streams.presence.timeoutUs',
      `must be at least three ticks (${3 * tickIntervalUs} µs), got ${timeoutUs}`,
    );
  }
  return given ?? {};
}

function checkedTimeSync(given: Partial<ClockSyncConfig> | undefined): ClockSyncConfig {
  if (given !== undefined && (typeof given !== 'object' || given === null)) {
    throw new NodeConfigError('timeSync', 'must be an object');
  }
  try {
    // ClockSync checks its configuration when it is built.
    const check = new ClockSync({ now: () => 0 }, new StateClock({ now: () => 0 }), given);
    return check.config;
  } catch (e) {
    throw new NodeConfigError('timeSync', (e as Error).message, { cause: e });
  }
}

/**
 * Fills in defaults and checks every field of a {@link NodeConfig}; a bad one is a
 * {@link NodeConfigError} naming it. Pure: it binds nothing and creates no identity.
 *
 * @example
 * resolveNodeConfig({}).limits.maxSessions; // 16
 * resolveNodeConfig({ tickIntervalUs: -1 }); // NodeConfigError: node config tickIntervalUs: …
 */
export function resolveNodeConfig(config: NodeConfig = {}): ResolvedNodeConfig {
  if (typeof config !== 'object' || config === null) {
    throw new NodeConfigError('config', 'must be an object');
  }
  const d = NODE_CONFIG_DEFAULTS;
  if (config.identity !== undefined) {
    if (!(config.identity instanceof Identity) && !(config.identity instanceof Uint8Array)) {
      throw new NodeConfigError('identity', 'must be an Identity or its exported bytes');
    }
  }
  if (config.nodeId !== undefined) {
    if (typeof config.nodeId !== 'bigint') throw new NodeConfigError('nodeId', 'must be a bigint');
    if (config.identity === undefined) {
      throw new NodeConfigError(
        'nodeId',
        'a NodeId is derived from the identity key; give the identity it belongs to',
      );
    }
  }
  if (config.transport !== undefined) {
    if (!has(config.transport, 'send', 'onDatagram', 'localAddress', 'datagrams$')) {
      throw new NodeConfigError('transport', 'is not a Transport');
    }
    if (config.bindAddr !== undefined) {
      throw new NodeConfigError('bindAddr', 'an injected transport is already bound');
    }
  }
  if (config.scheduler !== undefined && !has(config.scheduler, 'now', 'at')) {
    throw new NodeConfigError('scheduler', 'is not a Scheduler');
  }
  if (config.clock !== undefined && !has(config.clock, 'now')) {
    throw new NodeConfigError('clock', 'is not a Clock');
  }
  if (config.crypto !== undefined && !has(config.crypto, 'randomBytes', 'aeadSeal')) {
    throw new NodeConfigError('crypto', 'is not a CryptoProvider');
  }
  const degradationGiven = recordOf('degradation', config.degradation, DEGRADATION_FIELDS);
  const degradation = {
    initial: level(
      'degradation.initial',
      degradationGiven['initial'] ?? DegradationLevel.L0FullPerception,
    ),
    floor: level(
      'degradation.floor',
      degradationGiven['floor'] ?? DegradationLevel.L5LatentPresence,
    ),
  };
  if (degradation.initial > degradation.floor) {
    throw new NodeConfigError('degradation.initial', 'is worse than degradation.floor');
  }
  const entropy = config.predictionEntropy ?? d.predictionEntropy;
  if (typeof entropy !== 'number' || !(entropy >= 0 && entropy <= 1)) {
    throw new NodeConfigError(
      'predictionEntropy',
      `must be a number in 0..1, got ${String(entropy)}`,
    );
  }
  const tickIntervalUs = integer(
    'tickIntervalUs',
    config.tickIntervalUs ?? d.tickIntervalUs,
    1_000,
    10_000_000,
  );
  const heartbeatIntervalUs = integer(
    'heartbeatIntervalUs',
    config.heartbeatIntervalUs ?? d.heartbeatIntervalUs,
    tickIntervalUs,
    HOUR_US,
  );
  const peerTimeoutUs = integer(
    'peerTimeoutUs',
    config.peerTimeoutUs ?? d.peerTimeoutUs,
    2 * heartbeatIntervalUs,
    24 * HOUR_US,
  );
  const digestIntervalUs = integer(
    'digestIntervalUs',
    config.digestIntervalUs ?? d.digestHeartbeats * heartbeatIntervalUs,
    heartbeatIntervalUs,
    24 * HOUR_US,
  );
  const dialRetryCeilingUs = integer(
    'dialRetryCeilingUs',
    config.dialRetryCeilingUs ?? d.dialRetryCeilingTimeouts * peerTimeoutUs,
    peerTimeoutUs,
    7 * 24 * HOUR_US,
  );
  const directProbeIntervalUs = config.directProbeIntervalUs ?? d.directProbeIntervalUs;
  if (directProbeIntervalUs !== 0) {
    // Probes go from the tick: a shorter interval is one tick.
    integer('directProbeIntervalUs', directProbeIntervalUs, 1_000, 24 * HOUR_US);
  }
  const directProbeCeilingUs = integer(
    'directProbeCeilingUs',
    config.directProbeCeilingUs ?? Math.max(d.directProbeCeilingUs, directProbeIntervalUs),
    directProbeIntervalUs,
    24 * HOUR_US,
  );
  const stunServers = listOf<string>('stunServers', config.stunServers);
  stunServers.forEach((s: unknown, i) => {
    try {
      parseStunServer(s as string);
    } catch (e) {
      throw new NodeConfigError(`stunServers[${i}]`, `not host:port: ${String(s)}`, { cause: e });
    }
  });
  const turnServers = listOf<TurnServerConfig>('turnServers', config.turnServers);
  turnServers.forEach((t: TurnServerConfig, i) => {
    if (typeof t?.username !== 'string' || typeof t.password !== 'string') {
      throw new NodeConfigError(`turnServers[${i}]`, 'needs a username and a password');
    }
    try {
      parseStunServer(t.server);
    } catch (e) {
      throw new NodeConfigError(`turnServers[${i}].server`, `not host:port: ${String(t.server)}`, {
        cause: e,
      });
    }
  });
  const advertised = config.advertisedAddresses;
  if (
    advertised !== undefined &&
    (!Array.isArray(advertised) ||
      advertised.length === 0 ||
      advertised.length > MAX_INVITE_ADDRESSES)
  ) {
    // What an invite carries: at least one address to reach, at most crypto's bound.
    throw new NodeConfigError(
      'advertisedAddresses',
      `must be an array of 1..${MAX_INVITE_ADDRESSES} endpoints`,
    );
  }
  const limits = recordOf('limits', config.limits, LIMIT_FIELDS) as NonNullable<
    NodeConfig['limits']
  >;
  // A numeric limit: the one given, else the default, within its bounds.
  const limit = (name: keyof NodeLimits & keyof typeof d, min: number, max: number): number =>
    integer(`limits.${name}`, limits[name] ?? d[name], min, max);
  return {
    nodeId: config.nodeId,
    identity: config.identity,
    bindAddr:
      config.transport === undefined
        ? endpointOf('bindAddr', config.bindAddr ?? d.bindAddr)
        : undefined,
    maxPeers: integer('maxPeers', config.maxPeers ?? d.maxPeers, 1, 65_536),
    eventBufferSize: integer(
      'eventBufferSize',
      config.eventBufferSize ?? d.eventBufferSize,
      1,
      1 << 20,
    ),
    predictionEntropy: entropy,
    degradation,
    tickIntervalUs,
    heartbeatIntervalUs,
    peerTimeoutUs,
    digestIntervalUs,
    dialRetryCeilingUs,
    directProbeIntervalUs,
    directProbeCeilingUs,
    inviteLifetimeUs: integer(
      'inviteLifetimeUs',
      config.inviteLifetimeUs ?? d.inviteLifetimeUs,
      1,
      7 * 24 * HOUR_US,
    ),
    advertisedAddresses: advertised?.map((e, i) => {
      const checked = endpointOf(`advertisedAddresses[${i}]`, e);
      if (checked.port === 0) {
        throw new NodeConfigError(`advertisedAddresses[${i}].port`, 'a joiner cannot reach port 0');
      }
      return checked;
    }),
    stunServers: [...stunServers],
    turnServers: turnServers.map((t) => ({ ...t })),
    streams: checkedStreams(config.streams, tickIntervalUs),
    crypto: config.crypto,
    transport: config.transport,
    scheduler: config.scheduler,
    clock: config.clock,
    timeSync: checkedTimeSync(config.timeSync),
    limits: {
      maxSessions: limit('maxSessions', 1, 65_536),
      maxPendingHandshakes: limit('maxPendingHandshakes', 1, 65_536),
      maxDatagramSize: limit(
        'maxDatagramSize',
        // The smallest datagram that still carries a sealed fragment: 41 + 16 + 10.
        67,
        MAX_DATAGRAM_SIZE,
      ),
      sendQueueLength: limit('sendQueueLength', 1, 1 << 20),
      reassembly: positiveRecord(
        'limits.reassembly',
        DEFAULT_REASSEMBLER_CONFIG,
        limits.reassembly,
      ),
      responder: positiveRecord('limits.responder', DEFAULT_RESPONDER_LIMITS, limits.responder),
      initiator: positiveRecord('limits.initiator', DEFAULT_INITIATOR_TIMERS, limits.initiator),
      field: positiveRecord('limits.field', DEFAULT_FIELD_LIMITS, limits.field, true),
      store: positiveRecord('limits.store', DEFAULT_EVENT_STORE_LIMITS, limits.store),
      localLogBytes: integer(
        'limits.localLogBytes',
        limits.localLogBytes ?? DEFAULT_LOCAL_LOG_LIMITS.maxBytes,
        1,
        1 << 30,
      ),
      repairEvents: limit('repairEvents', 1, 65_536),
      maxGapAhead: limit('maxGapAhead', 1, d.maxGapAhead),
      maxGapTries: limit('maxGapTries', 1, 1_024),
      repairAnswerRate: limit('repairAnswerRate', 1, 100_000),
      repairAnswerBurst: limit('repairAnswerBurst', 1, 100_000),
      relayPermissions: limit('relayPermissions', 1, 65_536),
    },
  };
}

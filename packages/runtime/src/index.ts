// The node and its event loop
export { Node, type NodeStatus, type JoinOptions } from './node.ts';
export {
  type NodeConfig,
  type ResolvedNodeConfig,
  type NodeLimits,
  type DegradationConfig,
  type TurnServerConfig,
  NODE_CONFIG_DEFAULTS,
  resolveNodeConfig,
} from './node-config.ts';
export {
  NodeConfigError,
  SessionExistsError,
  NodeCapacityError,
  NotAdmittedError,
  CannotInviteError,
  RemovedFromSessionError,
} from './runtime-errors.ts';

// Sessions
export { Session, type InviteOptions } from './session.ts';
export { type SessionEnd } from './session-end.ts';
export { type SessionRole } from './internal/session-core.ts';
export { type Participant, type PeerPath } from './participant.ts';

// Observability
export { type NodeCounters, Rejection, rejectionName } from './node-counters.ts';

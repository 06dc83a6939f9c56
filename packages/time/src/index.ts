// Clocks
export { PerceptualClock, type PerceptualClockConfig } from './perceptual-clock.ts';
export { StateClock, type StateClockConfig } from './state-clock.ts';
export { JoinAlignmentError } from './join-alignment-error.ts';

// Reality window
export { TimePosition, timePositionName } from './time-position.ts';
export {
  CURRENT_ZONE_US,
  type RealityWindow,
  classify,
  classifyAt,
  windowContains,
} from './reality-window.ts';
export { correctionWeight } from './correction-weight.ts';

// Network model
export { type PathConditions } from './path-conditions.ts';
export { type PeerStats } from './peer-stats.ts';
export { PacketVerdict } from './packet-verdict.ts';
export {
  NetworkModel,
  NETWORK_MODEL_DEFAULTS,
  MAX_MODELLED_PACKETS,
  type NetworkModelConfig,
  type NetworkModelCounters,
} from './network-model.ts';

// Horizons and pressure
export { type HorizonRange, PROFILE_HORIZONS, HORIZON_PROFILES } from './horizon-range.ts';
export {
  type HorizonWeights,
  type Horizons,
  HORIZON_WEIGHTS,
  lossRunFrames,
  predictionNeedUs,
  correctionNeedUs,
  horizonFromNeed,
  horizonsFor,
} from './horizons.ts';
export {
  type PressureConfig,
  PRESSURE_DEFAULTS,
  compressionPressure,
} from './compression-pressure.ts';

// The engine
export { type TimeView } from './time-view.ts';
export { TimeEngine, type TimeEngineOptions } from './time-engine.ts';

// Clock synchronisation
export { exchangeOffsetUs, exchangeDelayUs } from './ntp-exchange.ts';
export { SyncVerdict } from './sync-verdict.ts';
export { SyncFlag } from './sync-flag.ts';
export { SyncState } from './sync-state.ts';
export { type PeerSyncEstimate } from './peer-sync-estimate.ts';
export {
  PeerSync,
  PEER_SYNC_DEFAULTS,
  checkPeerSyncConfig,
  type PeerSyncConfig,
  type PeerSyncCounters,
} from './peer-sync.ts';
export {
  type ConsensusRule,
  CONSENSUS_DEFAULTS,
  checkConsensusRule,
  joinOffset,
  sessionOffset,
} from './consensus-rule.ts';
export { type PeerSyncStatus } from './peer-sync-status.ts';
export {
  ClockSync,
  CLOCK_SYNC_DEFAULTS,
  type ClockSyncConfig,
  type ClockSyncCounters,
  type SyncStateListener,
} from './clock-sync.ts';

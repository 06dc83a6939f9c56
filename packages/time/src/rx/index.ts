// `@elara/time/rx`: RxJS over core's Scheduler, and the time loops as observables.
export { toRxScheduler, fromRxScheduler } from './rx-scheduler.ts';
export { type LoopOptions } from './loop-options.ts';
export { driftLoop, type DriftSample } from './drift-loop.ts';
export { predictionLoop, type PredictionFrame } from './prediction-loop.ts';
export { correctionLoop } from './correction-loop.ts';
export { compressionLoop } from './compression-loop.ts';
export { syncStates } from './sync-states.ts';

export { vectorsDir, readVectors, vectorsAbsentReason } from './vectors.ts';
export { describeVectors } from './describe-vectors.ts';
export { isSlowRun, propertyRuns } from './property-runs.ts';
export { fromHex, toHex } from './hex.ts';

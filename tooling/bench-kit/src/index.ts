export { resultsOfRounds, scaled, type CaseResult } from './case-result.ts';
export { measureInterleaved, type BenchCase, type MeasureOptions } from './measure.ts';
export { ratioEstimate, type RatioBasis, type RatioEstimate } from './ratio.ts';
export { formatTable, ratio, report, rowRatio, type BenchRow } from './report.ts';
export { median, quantile } from './stats.ts';

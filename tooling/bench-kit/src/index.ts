export {
  measureInterleaved,
  type BenchCase,
  type CaseResult,
  type MeasureOptions,
} from './measure.ts';
export { formatTable, ratio, report, type BenchRow } from './report.ts';

// The newcomer's demo. Until the runtime lands (issue "The demo a newcomer runs"), it shows the
// deterministic network simulator every Elara test runs on: the same seed gives the same run.
import { measureLink } from './link-showcase.ts';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  const v = i >= 0 ? Number(args[i + 1]) : fallback;
  return Number.isFinite(v) ? v : fallback;
};
const loss = flag('loss', 10) / 100;
const jitterMs = flag('jitter', 50);
const seed = flag('seed', 1);

console.log(
  `Elara simulated link: 40 ms latency, ${jitterMs} ms exponential jitter, ${(loss * 100).toFixed(1)} % loss, seed ${seed}`,
);
const report = measureLink(
  {
    latencyUs: 40_000,
    jitter: { distribution: 'exponential', meanUs: jitterMs * 1000 },
    loss: { model: 'random', p: loss },
    duplicate: 0.01,
  },
  seed,
  10_000,
);
console.log(
  `sent ${report.sent}, lost ${report.lost} (${(report.lossRate * 100).toFixed(2)} %, expected ${(report.expectedLossRate * 100).toFixed(2)} %)`,
);
console.log(
  `duplicated ${report.duplicated}, reordered ${report.reordered}, mean delay ${report.meanDelayMs.toFixed(1)} ms`,
);

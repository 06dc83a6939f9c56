// The event store benchmarks alone (bench/run.ts runs them too, after the field's):
// cd packages/state && npx tsx --conditions=@elara/source bench/store.ts
import { benchEventStore } from './store-bench.ts';

benchEventStore((what) => process.stderr.write(`${what}\n`));

// The end-to-end benchmark (issue #16): encrypted, signed text events between two runtime nodes
// on loopback, beside the machine's floor measured in the same run (LIMITS.md): the raw
// encrypted-datagram loop and raw UDP ping-pong. Throughput with signature verification done and
// skipped; one-way latency at 1 k events/s; memory and idle traffic per idle session member.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { measureInterleaved, report, resultsOfRounds, type CaseResult } from '@elara/bench-kit';
import { defaultCryptoProvider } from '@elara/crypto';
import { oneWayLatency, type LatencyRun, type Probe } from './latency.ts';
import { closedLoop, median, quantile } from './loops.ts';
import { idleMemberMemory, type MemberMemory, type MemoryReading } from './memory.ts';
import { pingPong, rawStream, type RawStream } from './raw-udp.ts';
import { runtimePair, type RuntimePair } from './runtime-pair.ts';

const ROUNDS = 7;
const SLICE_MS = 400;
const LATENCY_ROUNDS = 5;
/** Latency at the moderate rate, and at a tenth of it (far from any queueing). */
const RATES = [
  { perS: 1_000, ms: 1_000, label: '1 k events/s' },
  { perS: 100, ms: 2_000, label: '100 events/s' },
] as const;
const CONTENT_BYTES = 100;
/** A durable text event with 100 bytes of content is about this long without its signature. */
const EVENT_BYTES = 160;
/**
 * Sessions for the memory figure: sixteen members in sessions of eight (the runtime's largest
 * group), then in sessions of two; the difference per member over the six more peers each
 * member of an eight-member session has is what one peer link holds.
 */
const MEMORY_MEMBERS = 16;
/** Longest idle wait for the memory readings to settle, s (`ELARA_BENCH_IDLE_S` to change). */
const MAX_IDLE_S = Number(process.env['ELARA_BENCH_IDLE_S'] ?? 120);
const GROUP = 8;
const PAIR = 2;

// Digests (which acknowledge, so the local log drains) every 100 ms; logs large enough that a
// closed loop never fills them.
const CONFIG = { heartbeatIntervalUs: 100_000, eventBufferSize: 1 << 20 };
const content = (i: number): string => String(i).padEnd(CONTENT_BYTES, '.');

interface Throughput {
  readonly name: string;
  readonly slice: (ms: number) => Promise<{ delivered: number; elapsedMs: number }>;
}

const pairCase = (name: string, p: RuntimePair): Throughput => ({
  name,
  slice: (ms) =>
    closedLoop(
      ms,
      () => void p.send(content(0)),
      () => p.arrived(),
    ),
});
let rawIndex = 0;
const rawCase = (name: string, r: RawStream): Throughput => ({
  name,
  slice: (ms) =>
    closedLoop(
      ms,
      () => r.send(rawIndex++),
      () => r.arrived(),
    ),
});

// ── Throughput, closed loop, interleaved rounds ─────────────────────────────────────────────
const verified = await runtimePair(CONFIG);
const skipped = await runtimePair(CONFIG, false);
const rawPlain = await rawStream(EVENT_BYTES, false);
const rawSigned = await rawStream(EVENT_BYTES, true);
const cases = [
  pairCase('runtime, signatures verified', verified),
  pairCase('runtime, verification skipped', skipped),
  rawCase('raw seal + UDP + open', rawPlain),
  rawCase('raw sign + seal + UDP + open + verify', rawSigned),
];
for (const c of cases) await c.slice(100); // warm up
const rates = cases.map(() => [] as number[]);
for (let r = 0; r < ROUNDS; r++) {
  for (let k = 0; k < cases.length; k++) {
    const i = (k + r) % cases.length;
    const { delivered, elapsedMs } = await (cases[i] as Throughput).slice(SLICE_MS);
    (rates[i] as number[]).push((delivered * 1000) / elapsedMs);
  }
}
// One run: the ratios pair round with round (on wall clock: sockets and the kernel do the work).
const [tVerified, tSkipped, tRaw, tRawSigned] = resultsOfRounds(
  cases.map((c) => c.name),
  rates,
) as [CaseResult, CaseResult, CaseResult, CaseResult];
const wire = verified.sent();

// ── Ed25519 verification alone (what the receiver pays per event) ───────────────────────────
const provider = defaultCryptoProvider();
const signer = provider.ed25519SigningKey(provider.randomBytes(32));
const verifier = provider.ed25519VerifyingKey(signer.publicKey);
const message = provider.randomBytes(EVENT_BYTES);
const signature = signer.sign(message);
const [tVerify] = measureInterleaved(
  [
    {
      name: 'Ed25519 verify (node:crypto, prepared key)',
      run: (n) => {
        for (let i = 0; i < n; i++)
          if (!verifier.verify(message, signature)) throw new Error('bad');
      },
    },
  ],
  { rounds: ROUNDS },
) as [CaseResult];
// Both nodes share one thread: removing a verification of cost 1/V from each event's 1/R
// gives 1 / (1/R − 1/V).
const computed = (r: number): number => 1 / (1 / r - 1 / tVerify.medianOpsPerSec);
const tComputed: CaseResult = {
  name: 'runtime, verification removed (computed)',
  medianOpsPerSec: computed(tVerified.medianOpsPerSec),
  minOpsPerSec: computed(tVerified.minOpsPerSec),
  maxOpsPerSec: computed(tVerified.maxOpsPerSec),
  rounds: ROUNDS,
};

// ── One-way latency at 1 k events/s (and 100/s), open loop, beside the raw floors ──────────
/** The runtime pair as a numbered probe: the number travels at the start of the content. */
function pairProbe(p: RuntimePair): Probe {
  const probe: Probe = { send: (i) => void p.send(content(i)), onArrival: undefined };
  p.onArrival = (text) => probe.onArrival?.(Number.parseInt(text, 10));
  return probe;
}
// A fresh pair: the throughput rounds left the first one's event store full, and its digests
// would weigh on every tick.
await Promise.all([verified.close(), skipped.close(), rawPlain.close()]);
const fresh = await runtimePair(CONFIG);
const runtimeProbe = pairProbe(fresh);
await oneWayLatency(runtimeProbe, RATES[0].perS, 500); // warm up

/** Every event of one case at one rate over the rounds: counts, and latencies (∞ if lost). */
interface Tally {
  sent: number;
  received: number;
  readonly samples: number[];
}
const tally = (): Tally => ({ sent: 0, received: 0, samples: [] });
const add = (t: Tally, run: LatencyRun): void => {
  t.sent += run.sent;
  t.received += run.received;
  t.samples.push(...run.samples);
};
interface LatencySamples {
  readonly runtime: Tally;
  readonly rawSigned: Tally;
}
const byRate = RATES.map((): LatencySamples => ({ runtime: tally(), rawSigned: tally() }));
const ping: number[] = [];
const runtimeP50s: number[][] = RATES.map(() => []);
for (let r = 0; r < LATENCY_ROUNDS; r++) {
  const runs: (() => Promise<void>)[] = [
    async () => void ping.push(...(await pingPong(1_000))),
    ...RATES.flatMap(({ perS, ms }, k) => [
      async () => {
        const run = await oneWayLatency(runtimeProbe, perS, ms);
        add((byRate[k] as LatencySamples).runtime, run);
        (runtimeP50s[k] as number[]).push(median(run.samples));
      },
      async () =>
        void add((byRate[k] as LatencySamples).rawSigned, await oneWayLatency(rawSigned, perS, ms)),
    ]),
  ];
  for (let k = 0; k < runs.length; k++)
    await (runs[(k + r) % runs.length] as () => Promise<void>)();
}
await Promise.all([fresh.close(), rawSigned.close()]);

// ── Memory and traffic per idle session member ──────────────────────────────────────────────
const memory8 = await idleMemberMemory(MEMORY_MEMBERS / GROUP, GROUP, MAX_IDLE_S);
const memory2 = await idleMemberMemory(MEMORY_MEMBERS / PAIR, PAIR, MAX_IDLE_S);

// ── Report ──────────────────────────────────────────────────────────────────────────────────
report('e2e', 'End to end: text events delivered per second between two nodes on loopback', [
  {
    name: 'text events, signatures verified',
    ours: tVerified,
    baseline: tRaw,
    note:
      `closed loop, 256 in flight, ${CONTENT_BYTES}-byte messages; ` +
      `${(wire.events / wire.datagrams).toFixed(1)} events and ` +
      `${(wire.bytes / wire.datagrams).toFixed(0)} B per datagram on average`,
  },
  {
    name: 'text events, verification skipped (measured)',
    ours: tSkipped,
    baseline: tRaw,
    note: 'a provider that accepts every signature',
  },
  {
    name: 'text events, verification removed (computed)',
    ours: tComputed,
    baseline: tRaw,
    note: `1 / (1/verified − 1/verify), verify alone ${(tVerify.medianOpsPerSec / 1000).toFixed(1)} k/s`,
  },
  {
    name: 'text events, signatures verified, vs the signed floor',
    ours: tVerified,
    baseline: tRawSigned,
  },
  { name: 'Ed25519 verify alone', ours: tVerify },
]);

const us = (x: number): string =>
  x === Infinity ? '∞ (lost)' : x >= 10_000 ? `${(x / 1000).toFixed(1)} ms` : `${x.toFixed(0)} µs`;
const rateOf = (latencyUs: number): number => 1e6 / latencyUs;
const latencyCase = (name: string, samples: readonly number[], q: number): CaseResult => ({
  name,
  medianOpsPerSec: rateOf(quantile(samples, q)),
  minOpsPerSec: rateOf(quantile(samples, q)),
  maxOpsPerSec: rateOf(quantile(samples, q)),
  rounds: LATENCY_ROUNDS,
});
/** How many times the floor's latency ours is: `127× the floor`, `2.4× the floor`. */
const timesFloor = (ours: number, floor: number): string => {
  const x = ours / floor;
  return `${x === Infinity ? '∞' : x >= 10 ? x.toFixed(0) : x.toFixed(2)}× the floor`;
};
const latencyRow = (
  q: number,
  rate: (typeof RATES)[number],
  samples: LatencySamples,
  base: 'ping' | 'rawSigned',
) => {
  const baseName =
    base === 'ping' ? 'raw UDP ping-pong, RTT/2' : `raw signed sealed datagrams at ${rate.label}`;
  const baseSamples = base === 'ping' ? ping : samples.rawSigned.samples;
  const ours = quantile(samples.runtime.samples, q);
  const baseline = quantile(baseSamples, q);
  return {
    name: `p${q * 100} one-way latency at ${rate.label}, vs ${base === 'ping' ? 'ping-pong' : 'raw signed datagrams'}`,
    ours: latencyCase('runtime, signatures verified', samples.runtime.samples, q),
    baseline: latencyCase(baseName, baseSamples, q),
    ratio: baseline / ours,
    display: {
      ours: us(ours),
      baseline: `${us(baseline)} (${baseName})`,
      ratio: timesFloor(ours, baseline),
    },
    note: 'ratio = baseline latency / ours; lost events count as infinitely late',
  };
};
const latencyRows = RATES.flatMap((rate, k) =>
  (['ping', 'rawSigned'] as const).flatMap((base) =>
    [0.5, 0.99].map((q) => latencyRow(q, rate, byRate[k] as LatencySamples, base)),
  ),
);
const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`;
const noRate = { name: 'memory', medianOpsPerSec: 0, minOpsPerSec: 0, maxOpsPerSec: 0, rounds: 1 };
const memoryRows = (m: MemberMemory) => {
  const first = m.readings[0];
  const last = m.readings.at(-1);
  if (first === undefined || last === undefined) throw new Error('no memory reading');
  const series = (v: (r: MemoryReading) => number): string =>
    m.readings.map((r) => `${kb(v(r))} at ${r.idleS} s`).join(', ');
  const before = m.readings.at(-2) ?? first;
  const growth = (last.perMemberWithNode - before.perMemberWithNode) / (last.idleS - before.idleS);
  const settled = m.settled
    ? 'settled: the last two within 5 %'
    : `not settled: still growing ${kb(growth)}/s per member`;
  const peers = m.size - 1;
  return [
    {
      name: `memory per idle member, sessions of ${m.size} (${m.members} members; heap + ArrayBuffers, with its node)`,
      ours: noRate,
      display: { ours: `${series((r) => r.perMemberWithNode)} idle (${settled})` },
    },
    {
      name: `memory per idle member, sessions of ${m.size} (the session alone, nodes already made)`,
      ours: noRate,
      display: { ours: `${series((r) => r.perMemberSessionOnly)} idle` },
    },
    {
      name: `idle datagrams/s per member, sessions of ${m.size}`,
      ours: noRate,
      display: {
        ours:
          `${m.idleDatagramsPerS.toFixed(1)} /s on average; each founder ` +
          `(${peers} ${peers === 1 ? 'peer' : 'peers'}) ${m.founderIdleDatagramsPerS.toFixed(1)} /s`,
      },
    },
  ];
};
/** Per extra peer: sessions of GROUP minus sessions of PAIR, at one reading of each. */
const perLink = (a: MemoryReading | undefined, b: MemoryReading | undefined): string =>
  a && b
    ? `${kb((a.perMemberWithNode - b.perMemberWithNode) / (GROUP - PAIR))} (at ${a.idleS} s / ${b.idleS} s idle)`
    : '—';
const allMemoryRows = [
  ...memoryRows(memory8),
  ...memoryRows(memory2),
  {
    name: `memory per peer link (sessions of ${GROUP} minus sessions of ${PAIR}, per extra peer)`,
    ours: noRate,
    display: {
      ours:
        `${perLink(memory8.readings[0], memory2.readings[0])}; ` +
        perLink(memory8.readings.at(-1), memory2.readings.at(-1)),
    },
  },
];
console.log('\nEnd to end: latency and memory');
console.log('case | ours | raw baseline | ratio');
for (const row of latencyRows)
  console.log(
    `${row.name} | ${row.display.ours} | ${row.display.baseline} | ${row.ratio.toPrecision(3)}× (${row.display.ratio})`,
  );
const counts = (t: Tally): string =>
  `${t.sent} sent, ${t.received} received` +
  (t.sent > t.received ? `, ${t.sent - t.received} lost (counted as ∞)` : '');
for (const [k, rate] of RATES.entries()) {
  const b = byRate[k] as LatencySamples;
  console.log(
    `  (${rate.label}, ${LATENCY_ROUNDS} rounds of ${rate.ms} ms: runtime ${counts(b.runtime)}; ` +
      `raw signed ${counts(b.rawSigned)}; the runtime's p50 per round: ` +
      `${runtimeP50s[k]?.map(us).join(', ')})`,
  );
}
for (const row of allMemoryRows) console.log(`${row.name} | ${row.display.ours} | — | —`);
mkdirSync('bench-results', { recursive: true });
writeFileSync(
  join('bench-results', 'e2e-latency.json'),
  JSON.stringify(
    {
      title:
        'End to end: one-way latency at 1 k and 100 events/s; memory and traffic per idle member',
      when: new Date().toISOString(),
      rows: [...latencyRows, ...allMemoryRows],
    },
    null,
    2,
  ),
);

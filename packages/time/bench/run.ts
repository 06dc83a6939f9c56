/**
 * Benchmarks of @elara/time's hot paths, each beside the same arithmetic on plain numbers in
 * the same run (the raw baseline): classification, network-model update, horizon adaptation.
 * Run: `cd packages/time && npx tsx --conditions=@elara/source bench/run.ts`.
 */
import { RepresentationProfile, nodeId, type Clock, type NodeId } from '@elara/core';
import { measureInterleaved, report, type BenchCase, type BenchRow } from '@elara/bench-kit';
import {
  HORIZON_PROFILES,
  NetworkModel,
  PROFILE_HORIZONS,
  TimeEngine,
  classifyAt,
} from '../src/index.ts';

const START = 1_800_000_000_000_000;
let sink = 0;

/** A clock that moves 1 µs per reading, so the lazy horizon refresh runs as it would live. */
function tickingClock(): Clock & { t: number } {
  const c = { t: START, now: () => (c.t += 1) };
  return c;
}

// Classification ------------------------------------------------------------------------------

const classifyClock = tickingClock();
const engine = new TimeEngine({ clock: classifyClock });
const probes = Float64Array.from({ length: 1024 }, (_, i) => START - 700_000 + i * 1_000);
const range = PROFILE_HORIZONS[RepresentationProfile.Custom];

const classifyCases: BenchCase[] = [
  {
    name: 'engine.classify(t) (reads τs, lazy horizons)',
    run(n) {
      for (let i = 0; i < n; i++)
        sink += engine.classify((probes[i & 1023] as number) + classifyClock.t - START);
    },
  },
  {
    name: 'classifyAt(τs, Hc, Hp, t) (pure)',
    run(n) {
      const tau = classifyClock.t;
      for (let i = 0; i < n; i++)
        sink += classifyAt(tau, range.hcMinUs, range.hpMinUs, probes[i & 1023] as number);
    },
  },
  {
    name: 'raw: clock read + offset + four comparisons',
    run(n) {
      const offset = 0;
      const hc = range.hcMinUs;
      const hp = range.hpMinUs;
      for (let i = 0; i < n; i++) {
        const tau = classifyClock.now() + offset;
        const t = (probes[i & 1023] as number) + tau - START;
        sink += t < tau - hc ? 0 : t < tau ? 1 : t <= tau + 5000 ? 2 : t <= tau + hp ? 3 : 4;
      }
    },
  },
];

// Network-model update ------------------------------------------------------------------------

const PEERS = 8;
const peers: NodeId[] = Array.from({ length: PEERS }, (_, i) => nodeId(BigInt(i + 1)));
// A pre-generated trace: 2 % loss, some reordering, jittered arrivals.
const TRACE = 1 << 14;
const seqs = new Uint16Array(TRACE);
const sents = new Float64Array(TRACE);
const arrivals = new Float64Array(TRACE);
{
  let s = 1;
  const rand = () => (s = (Math.imul(s, 1_103_515_245) + 12_345) >>> 0) / 2 ** 32;
  let k = 0;
  for (let i = 0; k < TRACE; i++) {
    if (rand() < 0.02) continue;
    const j = rand() < 0.03 && k > 0 ? k - 1 : k; // swap with the previous one now and then
    seqs[k] = i & 0xffff;
    sents[k] = i * 20_000;
    arrivals[k] = i * 20_000 + 40_000 + rand() * 30_000;
    if (j !== k) {
      [seqs[j], seqs[k]] = [seqs[k] as number, seqs[j] as number];
      [sents[j], sents[k]] = [sents[k] as number, sents[j] as number];
    }
    k++;
  }
}

/** The same per-packet arithmetic as one peer's estimators, inlined on plain typed arrays. */
const W = 1024;
const raw = {
  bits: new Uint32Array(W / 32),
  set: 0,
  ring: new Float64Array(W),
  pos: 0,
  filled: 0,
  sum: 0,
  dqIndex: new Float64Array(W),
  dqValue: new Float64Array(W),
  dqHead: 0,
  dqSize: 0,
  pushed: 0,
  hi: -1,
  sentAtHi: 0,
  interval: 0,
  prevS: 0,
  prevA: 0,
};

function rawUpdate(seq: number, sent: number, arrival: number): void {
  const r = raw;
  let ext: number;
  if (r.hi < 0) ext = 65_536 + seq;
  else {
    let d = seq - (r.hi % 65_536);
    if (d < 0) d += 65_536;
    ext = d < 32_768 ? r.hi + d : r.hi + d - 65_536;
  }
  const hi = r.hi;
  if (ext > hi) {
    for (let x = hi < 0 ? ext : hi + 1; x <= ext; x++) {
      const i = x % W;
      const mask = 1 << (i & 31);
      if (((r.bits[i >>> 5] as number) & mask) !== 0) {
        r.bits[i >>> 5] = (r.bits[i >>> 5] as number) & ~mask;
        r.set--;
      }
    }
    if (hi >= 0) {
      const sample = (sent - r.sentAtHi) / (ext - hi);
      r.interval = r.interval === 0 ? sample : r.interval + (sample - r.interval) / 16;
    }
    r.sentAtHi = sent;
    r.hi = ext;
  }
  const i = ext % W;
  r.bits[i >>> 5] = (r.bits[i >>> 5] as number) | (1 << (i & 31));
  r.set++;
  // Sliding max of the reorder displacement.
  const depth = hi > ext ? hi - ext : 0;
  const n = r.pushed++;
  while (r.dqSize > 0 && (r.dqIndex[r.dqHead] as number) <= n - W) {
    r.dqHead = r.dqHead + 1 === W ? 0 : r.dqHead + 1;
    r.dqSize--;
  }
  let back = r.dqHead + r.dqSize - 1;
  if (back >= W) back -= W;
  while (r.dqSize > 0 && (r.dqValue[back] as number) <= depth) {
    r.dqSize--;
    back = back === 0 ? W - 1 : back - 1;
  }
  let slot = back + 1;
  if (slot >= W) slot -= W;
  r.dqIndex[slot] = n;
  r.dqValue[slot] = depth;
  r.dqSize++;
  // Sliding mean of |D|.
  const dd = arrival - r.prevA - (sent - r.prevS);
  const v = dd < 0 ? -dd : dd;
  if (r.filled === W) r.sum -= r.ring[r.pos] as number;
  else r.filled++;
  r.ring[r.pos] = v;
  r.sum += v;
  r.pos = r.pos + 1 === W ? 0 : r.pos + 1;
  r.prevA = arrival;
  r.prevS = sent;
}

/** Feeds the trace to `model`, lap after lap (each lap shifted forward in time). */
function onPacketCase(name: string, model: NetworkModel, peerOf: (i: number) => NodeId): BenchCase {
  let lap = 0;
  return {
    name,
    run(n) {
      for (let i = 0; i < n; i++) {
        const k = i & (TRACE - 1);
        const shift = lap * TRACE * 20_000;
        sink += model.onPacket(
          peerOf(i),
          seqs[k] as number,
          (sents[k] as number) + shift,
          (arrivals[k] as number) + shift,
        );
        if (k === TRACE - 1) lap++;
      }
    },
  };
}

let rawRound = 0;
const updateCases: BenchCase[] = [
  onPacketCase(
    'NetworkModel.onPacket (8 peers, round robin)',
    new NetworkModel(),
    (i) => peers[i & (PEERS - 1)] as NodeId,
  ),
  onPacketCase('NetworkModel.onPacket (one peer)', new NetworkModel(), () => peers[0] as NodeId),
  {
    name: 'raw: the same arithmetic inlined on typed arrays',
    run(n) {
      for (let i = 0; i < n; i++) {
        const k = i & (TRACE - 1);
        const lap = rawRound * TRACE * 20_000;
        rawUpdate(seqs[k] as number, (sents[k] as number) + lap, (arrivals[k] as number) + lap);
        if (k === TRACE - 1) rawRound++;
      }
      sink += raw.sum + raw.set;
    },
  },
];

// Horizon adaptation --------------------------------------------------------------------------

function engineWithPeers(count: number): TimeEngine {
  const clock = tickingClock();
  const e = new TimeEngine({ clock });
  for (let p = 0; p < count; p++) {
    const id = nodeId(BigInt(p + 1));
    for (let i = 0; i < 64; i++) {
      if ((i + p) % 17 === 0) continue;
      e.network.onPacket(id, i, i * 20_000, clock.t + i * 20_000 + ((i * 7919 + p) % 30) * 1_000);
    }
    e.network.onRtt(id, 40_000 + p * 1_000);
  }
  clock.t += 64 * 20_000;
  return e;
}

function rawPeers(count: number) {
  return {
    j: Float64Array.from({ length: count }, (_, p) => 5_000 + p * 100),
    l: Float64Array.from({ length: count }, (_, p) => 0.01 + p * 0.001),
    r: Float64Array.from({ length: count }, (_, p) => p % 3),
    t: Float64Array.from({ length: count }, () => 20_000),
    rtt: Float64Array.from({ length: count }, (_, p) => 40_000 + p * 1_000),
  };
}

const P = HORIZON_PROFILES.length;
const frame = Float64Array.from(HORIZON_PROFILES, (p) => PROFILE_HORIZONS[p].frameIntervalUs);
const hpMin = Float64Array.from(HORIZON_PROFILES, (p) => PROFILE_HORIZONS[p].hpMinUs);
const hpMax = Float64Array.from(HORIZON_PROFILES, (p) => PROFILE_HORIZONS[p].hpMaxUs);
const hcMin = Float64Array.from(HORIZON_PROFILES, (p) => PROFILE_HORIZONS[p].hcMinUs);
const hcMax = Float64Array.from(HORIZON_PROFILES, (p) => PROFILE_HORIZONS[p].hcMaxUs);
const needP = new Float64Array(P);
const outP = new Float64Array(P);
const outC = new Float64Array(P);
const LN_EPS = Math.log(0.01);

function soft(min: number, max: number, need: number): number {
  const span = max - min;
  if (need <= span / 2) return min + need;
  return min + span * (1 - span / (4 * need));
}

function rawAdapt(x: ReturnType<typeof rawPeers>): void {
  needP.fill(0);
  let needC = 0;
  let pressure = 0;
  for (let k = 0; k < x.j.length; k++) {
    const j = x.j[k] as number;
    const l = x.l[k] as number;
    const r = x.r[k] as number;
    const frames = l <= 0 ? 0 : l <= 0.01 ? l / 0.01 : LN_EPS / Math.log(l);
    for (let i = 0; i < P; i++) {
      const need = 2.5 * j + (frame[i] as number) * frames;
      if (need > (needP[i] as number)) needP[i] = need;
    }
    const c = 0.5 * (x.rtt[k] as number) + Math.max(3 * j, r * (x.t[k] as number));
    if (c > needC) needC = c;
    const p = 1 - (1 - j / (j + 50_000)) * (1 - l / (l + 0.05)) * (1 - r / (r + 8));
    if (p > pressure) pressure = p;
  }
  for (let i = 0; i < P; i++) {
    outP[i] = soft(hpMin[i] as number, hpMax[i] as number, needP[i] as number);
    outC[i] = soft(hcMin[i] as number, hcMax[i] as number, needC);
  }
  sink += pressure;
}

const adaptCases: BenchCase[] = [];
for (const count of [8, 64]) {
  const e = engineWithPeers(count);
  const x = rawPeers(count);
  adaptCases.push(
    {
      name: `TimeEngine.refresh() (${count} peers, 10 profiles)`,
      run(n) {
        for (let i = 0; i < n; i++) e.refresh();
        sink += e.horizons().hpUs;
      },
    },
    {
      name: `raw: the formula over plain arrays (${count} peers, 10 profiles)`,
      run(n) {
        for (let i = 0; i < n; i++) rawAdapt(x);
      },
    },
  );
}

// Run -------------------------------------------------------------------------------------------

const [cEngine, cPure, cRaw] = measureInterleaved(classifyCases);
const [uModel, uOne, uRaw] = measureInterleaved(updateCases);
const adapt = measureInterleaved(adaptCases);
const rows: BenchRow[] = [
  { name: 'classify via the engine', ours: cEngine!, baseline: cRaw! },
  { name: 'classifyAt (pure)', ours: cPure!, baseline: cRaw! },
  { name: 'network-model update, 8 peers', ours: uModel!, baseline: uRaw! },
  { name: 'network-model update, one peer', ours: uOne!, baseline: uRaw! },
  { name: 'horizon adaptation, 8 peers', ours: adapt[0]!, baseline: adapt[1]! },
  { name: 'horizon adaptation, 64 peers', ours: adapt[2]!, baseline: adapt[3]! },
];
report('time', '@elara/time: hot paths beside the same arithmetic on plain numbers', rows);
if (sink === 42) console.log('');

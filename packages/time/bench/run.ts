/**
 * Benchmarks of @elara/time's hot paths, each beside the same arithmetic on plain numbers in
 * the same run (the raw baseline): classification, network-model update, horizon adaptation,
 * clock-sync steps and the consensus update.
 * Run: `cd packages/time && npx tsx --conditions=@elara/source bench/run.ts`.
 */
import { RepresentationProfile, nodeId, type Clock, type NodeId } from '@elara/core';
import { measureInterleaved, report, type BenchCase, type BenchRow } from '@elara/bench-kit';
import {
  ClockSync,
  HORIZON_PROFILES,
  NetworkModel,
  PROFILE_HORIZONS,
  PeerSync,
  StateClock,
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
    name: 'raw: clock read + offset + floor + refresh check + four comparisons',
    run(n) {
      // What engine.classify does besides the lookups: read the clock, add the offset, keep τs
      // from going back, check whether the horizons are due, classify.
      const offset = 0;
      const hc = range.hcMinUs;
      const hp = range.hpMinUs;
      let floor = 0;
      let last = 0;
      for (let i = 0; i < n; i++) {
        const local = classifyClock.now();
        if (local - local !== 0) throw new Error('clock');
        let tau = Math.floor(local + offset);
        if (tau < floor) tau = floor;
        else floor = tau;
        const since = tau - last;
        if (!(since >= 0 && since < 10_000)) last = tau;
        const t = (probes[i & 1023] as number) + tau - START;
        sink += t < tau - hc ? 0 : t < tau ? 1 : t <= tau + 5000 ? 2 : t <= tau + hp ? 3 : 4;
      }
    },
  },
  {
    name: 'raw: four comparisons (no clock read, as classifyAt)',
    run(n) {
      const tau = classifyClock.t;
      const hc = range.hcMinUs;
      const hp = range.hpMinUs;
      for (let i = 0; i < n; i++) {
        const t = probes[i & 1023] as number;
        if (t !== t) throw new Error('NaN');
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

/**
 * The same per-packet arithmetic as one stream's estimators, inlined on plain typed arrays: the
 * timing plausibility check, unwrapping, the jump (probation) and duplicate checks, the loss
 * bitmap, the reorder window (values, histogram, max deque), the clamped interval average and
 * the clamped |D| window with its periodic re-sum.
 */
const W = 1024;
const M = 65_536;
const CAP_US = 1_000_000;
const STEP_US = 10_000_000;
const raw = {
  bits: new Uint32Array(W / 32),
  set: 0,
  ring: new Float64Array(W),
  pos: 0,
  filled: 0,
  sum: 0,
  sinceResum: 0,
  values: new Uint16Array(W),
  counts: new Uint16Array(W),
  deque: new Uint16Array(W),
  rPos: 0,
  rFilled: 0,
  dqHead: 0,
  dqSize: 0,
  displaced: 0,
  hi: -1,
  badSeq: -1,
  sentAtHi: 0,
  interval: 0,
  prevS: 0,
  prevA: 0,
  hasPrev: false,
};

function rawUpdate(seq: number, sent: number, arrival: number): number {
  const r = raw;
  if (!(seq >= 0 && seq < M && (seq | 0) === seq)) return 3;
  if (!(sent >= -(2 ** 53) && sent <= 2 ** 53 && arrival >= -(2 ** 53) && arrival <= 2 ** 53)) {
    return 3;
  }
  if (r.hasPrev) {
    const d = arrival - r.prevA - (sent - r.prevS);
    if (d > STEP_US || d < -STEP_US) return 3;
  }
  let ext: number;
  const hi = r.hi;
  if (hi < 0) ext = M + seq;
  else {
    let d = seq - (hi % M);
    if (d < 0) d += M;
    ext = d < M / 2 ? hi + d : hi + d - M;
    const ahead = ext - hi;
    if (ahead > 3000 || -ahead >= W) {
      if (seq !== r.badSeq) {
        r.badSeq = (seq + 1) % M;
        return 2;
      }
    }
  }
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
      if (sample >= 0) {
        const c = sample < CAP_US ? sample : CAP_US;
        r.interval = r.interval === 0 ? c : r.interval + (c - r.interval) / 16;
      }
    }
    r.sentAtHi = sent;
    r.hi = ext;
  } else {
    if (ext <= hi - W) return 2;
    const i = ext % W;
    if (((r.bits[i >>> 5] as number) & (1 << (i & 31))) !== 0) return 1;
  }
  r.badSeq = -1;
  const i = ext % W;
  r.bits[i >>> 5] = (r.bits[i >>> 5] as number) | (1 << (i & 31));
  r.set++;
  // Reorder window: histogram and max deque.
  const v = hi > ext ? hi - ext : 0;
  const slot = r.rPos;
  if (r.rFilled === W) {
    const old = r.values[slot] as number;
    r.counts[old] = (r.counts[old] as number) - 1;
    if (old > 0) r.displaced--;
    if (r.dqSize > 0 && r.deque[r.dqHead] === slot) {
      r.dqHead = r.dqHead + 1 === W ? 0 : r.dqHead + 1;
      r.dqSize--;
    }
  } else r.rFilled++;
  r.values[slot] = v;
  r.counts[v] = (r.counts[v] as number) + 1;
  if (v > 0) r.displaced++;
  let back = r.dqHead + r.dqSize - 1;
  if (back >= W) back -= W;
  while (r.dqSize > 0 && (r.values[r.deque[back] as number] as number) <= v) {
    r.dqSize--;
    back = back === 0 ? W - 1 : back - 1;
  }
  let tail = back + 1;
  if (tail >= W) tail -= W;
  r.deque[tail] = slot;
  r.dqSize++;
  r.rPos = slot + 1 === W ? 0 : slot + 1;
  // Sliding mean of the clamped |D|.
  if (r.hasPrev) {
    const dd = arrival - r.prevA - (sent - r.prevS);
    const a = dd < 0 ? -dd : dd;
    const x = a < CAP_US ? a : CAP_US;
    if (r.filled === W) r.sum -= r.ring[r.pos] as number;
    else r.filled++;
    r.ring[r.pos] = x;
    r.sum += x;
    r.pos = r.pos + 1 === W ? 0 : r.pos + 1;
    if (++r.sinceResum >= W) {
      r.sinceResum = 0;
      let sum = 0;
      for (let k = 0; k < r.filled; k++) sum += r.ring[k] as number;
      r.sum = sum;
    }
  }
  r.prevA = arrival;
  r.prevS = sent;
  r.hasPrev = true;
  return 0;
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
        sink += rawUpdate(
          seqs[k] as number,
          (sents[k] as number) + lap,
          (arrivals[k] as number) + lap,
        );
        if (k === TRACE - 1) rawRound++;
      }
      sink += raw.sum + raw.set;
    },
  },
];

/** A stream of packets from ever new peers into a full model: every packet evicts one peer. */
function newPeerCase(maxPeers: number): BenchCase {
  const model = new NetworkModel({ maxPeers, maxStreams: 1, windowPackets: 16 });
  let next = 1n;
  return {
    name: `NetworkModel.onPacket from a new peer, evicting (${maxPeers} peers)`,
    run(n) {
      for (let i = 0; i < n; i++) sink += model.onPacket(nodeId(next++), 0, 0, i);
    },
  };
}
const evictionCases: BenchCase[] = [newPeerCase(4096), newPeerCase(16)];

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

// Clock sync: one step per reply ----------------------------------------------------------------

// A pre-generated trace of one peer: 10 exchanges per second, 40 ms each way plus exponential
// jitter (mean 30 ms), an offset drifting at 120 ppm.
const SYNC_TRACE = 1 << 14;
const st1 = new Float64Array(SYNC_TRACE);
const st2 = new Float64Array(SYNC_TRACE);
const st4 = new Float64Array(SYNC_TRACE);
{
  let s = 11;
  const rand = () => (s = (Math.imul(s, 1_103_515_245) + 12_345) >>> 0) / 2 ** 32;
  for (let k = 0; k < SYNC_TRACE; k++) {
    const t1 = START + k * 100_000;
    const forward = 40_000 - 30_000 * Math.log(1 - rand());
    const backward = 40_000 - 30_000 * Math.log(1 - rand());
    st1[k] = t1;
    st2[k] = Math.floor(t1 + forward + 1_500_000 + 120e-6 * (t1 - START));
    st4[k] = Math.floor(t1 + forward + backward);
  }
}
const LAP_US = SYNC_TRACE * 100_000;

/**
 * The per-reply arithmetic of PeerSync on plain typed arrays: checks, envelope with the least
 * round trip, the interval and spread tests, bucket minimum.
 */
const SW = 64;
const rawSync = {
  t: new Float64Array(SW),
  a: new Float64Array(SW),
  b: new Float64Array(SW),
  head: 0,
  size: 0,
  bucket: -1,
  bucketA: 0,
  bucketB: 0,
  last: -Infinity,
};

function rawStep(t1: number, t2: number, t3: number, t4: number): number {
  const r = rawSync;
  if (!(t3 >= t2 && t4 >= t1)) return -1;
  const a = t2 - t1;
  const b = t4 - t3;
  if (!(a + b >= -2_000 && a + b <= 10_000_000)) return -1;
  const t = t1 + (t4 - t1) / 2;
  if (t - r.last > 30_000_000) r.size = 0;
  if (t > r.last) r.last = t;
  while (r.size > 0 && (r.t[r.head] as number) < t - 4_000_000) {
    r.head = r.head + 1 === SW ? 0 : r.head + 1;
    r.size--;
  }
  let minA = Infinity;
  let minB = Infinity;
  let minD = Infinity;
  let k = r.head;
  for (let i = 0; i < r.size; i++) {
    const dt = t - (r.t[k] as number);
    const ai = (r.a[k] as number) + 1e-4 * dt;
    const bi = (r.b[k] as number) - 1e-4 * dt;
    if (ai < minA) minA = ai;
    if (bi < minB) minB = bi;
    if (ai + bi < minD) minD = ai + bi;
    k = k + 1 === SW ? 0 : k + 1;
  }
  const spread = Math.min(minD, a + b) - Math.min(minA, a) - Math.min(minB, b);
  const stepped =
    r.size > 0 &&
    (a + minB < -2_000 || b + minA < -2_000 || (r.size >= 8 && spread > 120_000 + 2_000))
      ? 1
      : 0;
  if (r.size === SW) {
    r.head = r.head + 1 === SW ? 0 : r.head + 1;
    r.size--;
  }
  let slot = r.head + r.size;
  if (slot >= SW) slot -= SW;
  r.t[slot] = t;
  r.a[slot] = a;
  r.b[slot] = b;
  r.size++;
  const bucket = Math.floor(t / 5_000_000);
  if (bucket > r.bucket) {
    r.bucket = bucket;
    r.bucketA = a;
    r.bucketB = b;
  } else {
    if (a < r.bucketA) r.bucketA = a;
    if (b < r.bucketB) r.bucketB = b;
  }
  return stepped;
}

function syncTraceCase(
  name: string,
  step: (t1: number, t2: number, t4: number) => number,
): BenchCase {
  let lap = 0;
  return {
    name,
    run(n) {
      for (let i = 0; i < n; i++) {
        const k = i & (SYNC_TRACE - 1);
        const shift = lap * LAP_US;
        sink += step(
          (st1[k] as number) + shift,
          (st2[k] as number) + shift,
          (st4[k] as number) + shift,
        );
        if (k === SYNC_TRACE - 1) lap++;
      }
    },
  };
}

const stepPeer = new PeerSync();
const replyPeer = new PeerSync({ requestIntervalUs: 0 });
const stepCases: BenchCase[] = [
  syncTraceCase(
    'PeerSync.addExchange (checks, envelope of 40 exchanges, skew bucket)',
    (t1, t2, t4) => stepPeer.addExchange(t1, t2, t2, t4),
  ),
  syncTraceCase(
    'PeerSync.request + onResponse (the above plus matching the request)',
    (t1, t2, t4) => {
      const req = replyPeer.request(t1);
      if (req === undefined) return 0;
      return replyPeer.onResponse(
        { type: 'time-sync-response', id: req.id, t1: req.t1, t2, t3: t2 },
        t4,
      );
    },
  ),
  syncTraceCase('raw: the same arithmetic on typed arrays', (t1, t2, t4) =>
    rawStep(t1, t2, t2, t4),
  ),
];

// Clock sync: the consensus update --------------------------------------------------------------

/** A joined session member with `count` peers, each with a full window of exchanges. */
function syncWithPeers(count: number): { sync: ClockSync; now: number } {
  const clock = { now: () => START + 120_000_000 };
  const state = new StateClock(clock);
  state.closeJoin();
  const sync = new ClockSync(clock, state, { maxPeers: count });
  for (let p = 0; p < count; p++) {
    const id = nodeId(BigInt(p + 1));
    sync.request(id, START);
    const peer = sync.peer(id) as PeerSync;
    for (let k = 0; k < 40; k++) {
      const i = (p * 977 + k) & (SYNC_TRACE - 1);
      const t1 = START + 116_000_000 + k * 100_000;
      const d2 = (st2[i] as number) - (st1[i] as number);
      const d4 = (st4[i] as number) - (st1[i] as number);
      peer.addExchange(t1, t1 + d2 + p * 100, t1 + d2 + p * 100, t1 + d4);
    }
  }
  return { sync, now: START + 120_000_000 };
}

/** The same peers as plain arrays: each one's exchanges (time, a, b). */
function rawConsensusPeers(count: number) {
  const peers: { t: Float64Array; a: Float64Array; b: Float64Array }[] = [];
  for (let p = 0; p < count; p++) {
    const t = new Float64Array(40);
    const a = new Float64Array(40);
    const b = new Float64Array(40);
    for (let k = 0; k < 40; k++) {
      const i = (p * 977 + k) & (SYNC_TRACE - 1);
      t[k] = START + 116_000_000 + k * 100_000;
      a[k] = (st2[i] as number) - (st1[i] as number) + p * 100;
      b[k] = (st4[i] as number) - (st2[i] as number) - p * 100;
    }
    peers.push({ t, a, b });
  }
  return { peers, values: new Float64Array(count + 1), spread: 0 };
}

/**
 * Envelope per peer, then sort, the values near the lower median (a majority of them) and a
 * trimmed mean of the middle half: what update() computes.
 */
function rawConsensus(x: ReturnType<typeof rawConsensusPeers>, now: number): number {
  const values = x.values;
  let n = 0;
  values[n++] = 0;
  for (const p of x.peers) {
    let minA = Infinity;
    let minB = Infinity;
    let minD = Infinity;
    for (let k = 0; k < p.t.length; k++) {
      const dt = now - (p.t[k] as number);
      const ai = (p.a[k] as number) + 1e-4 * dt;
      const bi = (p.b[k] as number) - 1e-4 * dt;
      if (ai < minA) minA = ai;
      if (bi < minB) minB = bi;
      if (ai + bi < minD) minD = ai + bi;
    }
    x.spread += minD - minA - minB;
    values[n++] = (minA - minB) / 2;
  }
  const sorted = values.subarray(0, n).sort();
  const median = sorted[(n - 1) >> 1] as number;
  let lo = 0;
  let hi = n;
  while (lo < hi && (sorted[lo] as number) < median - 5_000_000) lo++;
  while (hi > lo && (sorted[hi - 1] as number) > median + 5_000_000) hi--;
  if (2 * (hi - lo) <= n) return NaN;
  const drop = Math.max(1, Math.floor((hi - lo) / 4));
  let sum = 0;
  for (let i = lo + drop; i < hi - drop; i++) sum += sorted[i] as number;
  return sum / (hi - lo - 2 * drop);
}

const consensusCases: BenchCase[] = [];
for (const count of [8, 64]) {
  const { sync, now } = syncWithPeers(count);
  const x = rawConsensusPeers(count);
  consensusCases.push(
    {
      name: `ClockSync.update() (${count} peers, 40 exchanges each)`,
      run(n) {
        for (let i = 0; i < n; i++) sink += sync.update(now);
      },
    },
    {
      name: `raw: envelopes, sort and trimmed mean on plain arrays (${count} peers)`,
      run(n) {
        for (let i = 0; i < n; i++) sink += rawConsensus(x, now);
      },
    },
  );
}

// Run -------------------------------------------------------------------------------------------

const [cEngine, cPure, cRaw, cRawPure] = measureInterleaved(classifyCases);
const [uModel, uOne, uRaw] = measureInterleaved(updateCases);
const [eMany, eFew] = measureInterleaved(evictionCases);
const adapt = measureInterleaved(adaptCases);
const [sStep, sReply, sRaw] = measureInterleaved(stepCases);
const consensus = measureInterleaved(consensusCases);
const rows: BenchRow[] = [
  { name: 'classify via the engine', ours: cEngine!, baseline: cRaw! },
  { name: 'classifyAt (pure)', ours: cPure!, baseline: cRawPure! },
  { name: 'network-model update, 8 peers', ours: uModel!, baseline: uRaw! },
  { name: 'network-model update, one peer', ours: uOne!, baseline: uRaw! },
  { name: 'new peer with eviction, 4096 peers (beside 16)', ours: eMany!, baseline: eFew! },
  { name: 'horizon adaptation, 8 peers', ours: adapt[0]!, baseline: adapt[1]! },
  { name: 'horizon adaptation, 64 peers', ours: adapt[2]!, baseline: adapt[3]! },
  { name: 'sync step (one reply)', ours: sStep!, baseline: sRaw! },
  { name: 'sync step with request matching', ours: sReply!, baseline: sRaw! },
  { name: 'consensus update, 8 peers', ours: consensus[0]!, baseline: consensus[1]! },
  { name: 'consensus update, 64 peers', ours: consensus[2]!, baseline: consensus[3]! },
];
report('time', '@elara/time: hot paths beside the same arithmetic on plain numbers', rows);
if (sink === 42) console.log('');

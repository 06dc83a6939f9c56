// Core wire codec benchmarks. Every figure sits beside a raw baseline measured in the same
// interleaved rounds (LIMITS.md: the machine's speed drifts, so only same-run ratios mean
// anything). Run: cd packages/core && npx tsx --conditions=@elara/source bench/run.ts
import { type BenchCase, type BenchRow, measureInterleaved, report } from '@elara/bench-kit';
import {
  AUTH_TAG_SIZE,
  EventKind,
  EventType,
  FIXED_HEADER_SIZE,
  NO_EXTENSIONS,
  StateTypePrefix,
  WireVersion,
  decodeEnvelope,
  decodeFrameV1,
  decodeHeader,
  encodeEnvelopeInto,
  encodeFrame,
  encodeHeader,
  fixedHeader,
  nodeId,
  sessionId,
  stateIdFromParts,
  versionVector,
  vvCompare,
  vvIncrement,
  vvMerge,
  type DurableEnvelope,
  type NodeId,
  type VersionVector,
} from '../src/index.ts';

let sink = 0;

// --- 30-byte header: encode + decode vs a raw reused-DataView loop -------------------------

const header = fixedHeader(sessionId(0x1122334455667788n), nodeId(0x0102030405060708n), {
  version: WireVersion.V1,
  flags: 0x20,
  packetClass: 1,
  profile: 0x10,
  timeHint: -12345,
  seq: 77,
  window: 64,
});
const headerBuf = new Uint8Array(1500);

/** A raw read of the 30 header bytes: every field, the ids as bigints, no checks. */
function rawHeaderRead(v: DataView): number {
  const first = v.getUint8(0);
  const flags = v.getUint8(1);
  const headerLen = v.getUint16(2, true);
  const session = v.getBigUint64(4, true);
  const node = v.getBigUint64(12, true);
  const cls = v.getUint8(20);
  const profile = v.getUint8(21);
  const timeHint = v.getInt32(22, true);
  const window = v.getUint16(26, true);
  const seq = v.getUint16(28, true);
  return (
    (seq ^ first ^ flags ^ headerLen ^ cls ^ profile ^ timeHint ^ window) +
    (session === node ? 1 : 0)
  );
}
const rawView = new DataView(headerBuf.buffer);

const headerCases: BenchCase[] = [
  {
    name: 'header encode+decode (ours)',
    run: (n) => {
      for (let i = 0; i < n; i++) {
        encodeHeader(header, headerBuf);
        sink ^= decodeHeader(headerBuf).seq;
      }
    },
  },
  {
    // The same 30 bytes, the same bigint representation of the 64-bit ids, no checks.
    name: 'raw DataView write+read',
    run: (n) => {
      const v = rawView;
      const h = header;
      for (let i = 0; i < n; i++) {
        v.setUint8(0, (h.version << 4) | h.suite);
        v.setUint8(1, h.flags);
        v.setUint16(2, h.headerLen, true);
        v.setBigUint64(4, h.sessionId, true);
        v.setBigUint64(12, h.nodeId, true);
        v.setUint8(20, h.packetClass);
        v.setUint8(21, h.profile);
        v.setInt32(22, h.timeHint, true);
        v.setUint16(26, h.window, true);
        v.setUint16(28, h.seq, true);
        sink ^= rawHeaderRead(v);
      }
    },
  },
];

// --- header decode on a fresh array per datagram (the real receive path) -------------------
// A socket hands over a new Uint8Array per datagram, so a one-entry DataView cache keyed on the
// array never hits there. 1024 distinct arrays with their own buffers, taken in turn, model it
// without allocating in the loop; the baseline builds a DataView per array, as a plain decoder
// must, and reads the same fields with the same bigint ids.

const FRESH = 1024;
const freshDatagrams = Array.from({ length: FRESH }, (_, i) => {
  const d = new Uint8Array(1054);
  encodeHeader({ ...header, seq: i }, d);
  return d;
});

const freshHeaderCases: BenchCase[] = [
  {
    name: 'header decode, fresh array each (ours)',
    run: (n) => {
      for (let i = 0; i < n; i++) sink ^= decodeHeader(freshDatagrams[i & (FRESH - 1)]!).seq;
    },
  },
  {
    name: 'raw new DataView + reads, fresh array each',
    run: (n) => {
      for (let i = 0; i < n; i++) {
        const b = freshDatagrams[i & (FRESH - 1)]!;
        const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
        sink ^= rawHeaderRead(v);
      }
    },
  },
  {
    // The same decode when the same array comes back each time (the cache's best case).
    name: 'header decode, same array each (ours)',
    run: (n) => {
      const d = freshDatagrams[0]!;
      for (let i = 0; i < n; i++) sink ^= decodeHeader(d).seq;
    },
  },
];

// --- 1 KB frame parse: views, no payload copy ---------------------------------------------

const frameBytes = encodeFrame({
  header,
  extensions: NO_EXTENSIONS,
  payload: new Uint8Array(1024).fill(7),
  authTag: new Uint8Array(AUTH_TAG_SIZE).fill(9),
});
{
  const f = decodeFrameV1(frameBytes);
  if (f.payload.buffer !== frameBytes.buffer || f.payload.byteOffset !== FIXED_HEADER_SIZE) {
    throw new Error('frame parse copied its payload');
  }
}
const frameView = new DataView(frameBytes.buffer);

const frameCases: BenchCase[] = [
  {
    name: '1 KB frame parse (ours, v1 checks)',
    run: (n) => {
      for (let i = 0; i < n; i++) sink ^= decodeFrameV1(frameBytes).payload.length;
    },
  },
  {
    // The least a parse can do: read the header fields, cut two views.
    name: 'raw header read + 2 subarrays',
    run: (n) => {
      const v = frameView;
      for (let i = 0; i < n; i++) {
        const headerLen = v.getUint16(2, true);
        const session = v.getBigUint64(4, true);
        const node = v.getBigUint64(12, true);
        const x = v.getUint8(0) ^ v.getUint8(1) ^ v.getUint8(20) ^ v.getUint8(21);
        const t = v.getInt32(22, true) ^ v.getUint16(26, true) ^ v.getUint16(28, true);
        const end = frameBytes.length - AUTH_TAG_SIZE;
        const payload = frameBytes.subarray(headerLen, end);
        const tag = frameBytes.subarray(end);
        sink ^= payload.length ^ tag.length ^ x ^ t;
        if (session === node) sink++;
      }
    },
  },
  {
    name: '1 KB payload copy (what a copying parse adds)',
    run: (n) => {
      for (let i = 0; i < n; i++) sink ^= frameBytes.slice(30, 1054).length;
    },
  },
];

// --- v1 envelope encode/decode vs raw DataView field writes/reads -------------------------

const envelope: DurableEnvelope = {
  kind: EventKind.Durable,
  author: nodeId(0x0102030405060708n),
  seq: 12345,
  time: 1_700_000_000_000_000,
  target: stateIdFromParts(StateTypePrefix.Text, 3),
  eventType: EventType.TextAppend,
  dependencies: [{ author: nodeId(0x0a0b0c0d0e0f1011n), seq: 99 }],
  mutation: { type: 'append', data: new Uint8Array(64).fill(0x61) },
  signature: new Uint8Array(64).fill(0x5a),
};
const envBuf = new Uint8Array(1500);
const envLen = encodeEnvelopeInto(envelope, envBuf);
const envBytes = envBuf.slice(0, envLen);
const envView = new DataView(envBuf.buffer);
const rawOut = new Uint8Array(1500);
const rawOutView = new DataView(rawOut.buffer);
const envReadView = new DataView(envBytes.buffer);

/** A raw read of the bench envelope's fields through `v` over `b`, with views, no checks. */
function rawEnvelopeRead(v: DataView, b: Uint8Array): number {
  const kind = v.getUint8(0);
  const author = v.getBigUint64(1, true);
  const seq = v.getUint32(9, true);
  const time = v.getInt32(17, true) * 0x1_0000_0000 + v.getUint32(13, true);
  const target = v.getBigUint64(21, true);
  const type = v.getUint8(29);
  const depAuthor = v.getBigUint64(31, true);
  const depSeq = v.getUint32(39, true);
  const len = v.getUint16(44, true);
  const data = b.subarray(46, 46 + len);
  const sig = b.subarray(b.length - 64);
  const e = { kind, author, seq, time, target, type, deps: [{ depAuthor, depSeq }], data, sig };
  return e.seq ^ e.data.length ^ e.sig.length;
}

const envelopeCases: BenchCase[] = [
  {
    name: 'v1 envelope encode (ours)',
    run: (n) => {
      for (let i = 0; i < n; i++) sink ^= encodeEnvelopeInto(envelope, envBuf);
    },
  },
  {
    name: 'raw field writes (no checks)',
    run: (n) => {
      const v = rawOutView;
      const e = envelope;
      for (let i = 0; i < n; i++) {
        v.setUint8(0, e.kind);
        v.setBigUint64(1, e.author, true);
        v.setUint32(9, e.seq, true);
        v.setUint32(13, e.time % 0x1_0000_0000, true);
        v.setInt32(17, Math.floor(e.time / 0x1_0000_0000), true);
        v.setBigUint64(21, e.target, true);
        v.setUint8(29, e.eventType);
        v.setUint8(30, 1);
        const d = e.dependencies[0] as { author: NodeId; seq: number };
        v.setBigUint64(31, d.author, true);
        v.setUint32(39, d.seq, true);
        v.setUint8(43, 3);
        v.setUint16(44, 64, true);
        rawOut.set(e.mutation.type === 'append' ? e.mutation.data : rawOut, 46);
        rawOut.set(e.signature, 110);
        sink ^= 174;
      }
    },
  },
  {
    name: 'v1 envelope decode (ours)',
    run: (n) => {
      for (let i = 0; i < n; i++) sink ^= (decodeEnvelope(envBytes) as DurableEnvelope).seq;
    },
  },
  {
    name: 'raw field reads + views',
    run: (n) => {
      const v = envReadView;
      for (let i = 0; i < n; i++) {
        sink ^= rawEnvelopeRead(v, envBytes);
      }
    },
  },
];
void envView;

// Envelopes as a batch hands them over: each a fresh subarray of its payload.
const freshEnvelopes = Array.from({ length: FRESH }, (_, i) => {
  const batch = new Uint8Array(2 + envLen);
  encodeEnvelopeInto({ ...envelope, seq: i + 1 }, batch, 2);
  return batch.subarray(2);
});

const freshEnvelopeCases: BenchCase[] = [
  {
    name: 'v1 envelope decode, fresh subarray each (ours)',
    run: (n) => {
      for (let i = 0; i < n; i++) {
        sink ^= (decodeEnvelope(freshEnvelopes[i & (FRESH - 1)]!) as DurableEnvelope).seq;
      }
    },
  },
  {
    name: 'raw new DataView + field reads + views, fresh subarray each',
    run: (n) => {
      for (let i = 0; i < n; i++) {
        const b = freshEnvelopes[i & (FRESH - 1)]!;
        const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
        sink ^= rawEnvelopeRead(v, b);
      }
    },
  },
];

// --- VersionVector ops at 10, 100, 1000 entries (linear) -----------------------------------

function vvOf(n: number, offset: bigint): VersionVector {
  return versionVector(
    Array.from(
      { length: n },
      (_, i) => [nodeId(BigInt(i) * 7919n + 1n), BigInt(i) + offset] as const,
    ),
  );
}

const vvRows: { size: number; cases: BenchCase[] }[] = [10, 100, 1000].map((size) => {
  const a = vvOf(size, 5n);
  const b = vvOf(size, 3n);
  const keys = [...a.keys()];
  // b leads only on a's last entry, so compare walks everything before it knows. Nothing
  // below mutates a or b: a case whose cost changed between calibration and measurement
  // would make the calibrated iteration count meaningless.
  b.set(keys[keys.length - 1] as NodeId, 1_000_000n);
  const counting = new Map(a);
  return {
    size,
    cases: [
      {
        name: `vv merge ×${size}`,
        run: (n) => {
          for (let i = 0; i < n; i++) sink ^= vvMerge(a, b).size;
        },
      },
      {
        name: `vv compare ×${size}`,
        run: (n) => {
          for (let i = 0; i < n; i++) sink ^= vvCompare(a, b).length;
        },
      },
      {
        name: `vv increment all ×${size}`,
        run: (n) => {
          for (let i = 0; i < n; i++)
            for (const k of keys) sink ^= Number(vvIncrement(counting, k) & 1n);
        },
      },
      {
        // The floor for anything linear: visit each entry of both maps once.
        name: `raw Map walk ×${size}`,
        run: (n) => {
          for (let i = 0; i < n; i++) {
            let s = 0n;
            for (const [k, v] of a) s += v + (b.get(k) ?? 0n);
            sink ^= Number(s & 1n);
          }
        },
      },
      {
        // Copying a Map is what merge's result costs at least.
        name: `raw Map copy ×${size}`,
        run: (n) => {
          for (let i = 0; i < n; i++) sink ^= new Map(a).size;
        },
      },
    ],
  };
});

// --- run -------------------------------------------------------------------------------

const [hOurs, hRaw] = measureInterleaved(headerCases);
const [hFresh, hFreshRaw, hSame] = measureInterleaved(freshHeaderCases);
const [fOurs, fRaw, fCopy] = measureInterleaved(frameCases);
const [eEnc, eRawEnc, eDec, eRawDec] = measureInterleaved(envelopeCases);
const [eFresh, eFreshRaw] = measureInterleaved(freshEnvelopeCases);

const rows: BenchRow[] = [
  { name: 'header encode+decode (30 B)', ours: hOurs!, baseline: hRaw!, target: 0.5 },
  {
    name: 'header decode, fresh array per datagram',
    ours: hFresh!,
    baseline: hFreshRaw!,
    note: 'the receive path: a new array each time',
  },
  {
    name: 'header decode, fresh array vs same array',
    ours: hFresh!,
    baseline: hSame!,
    note: 'what a cache miss costs (1 = nothing)',
  },
  {
    name: '1 KB frame parse, zero-copy',
    ours: fOurs!,
    baseline: fRaw!,
    note: 'payload is a view, checked',
  },
  {
    name: '1 KB frame parse vs a bare 1 KB copy',
    ours: fOurs!,
    baseline: fCopy!,
    note: '> 1 means parsing costs less than copying the payload once',
  },
  { name: 'v1 envelope encode (durable, 64 B data)', ours: eEnc!, baseline: eRawEnc! },
  { name: 'v1 envelope decode (durable, 64 B data)', ours: eDec!, baseline: eRawDec! },
  {
    name: 'v1 envelope decode, fresh subarray each',
    ours: eFresh!,
    baseline: eFreshRaw!,
    note: 'as splitEventBatch hands envelopes over',
  },
];
for (const { size, cases } of vvRows) {
  const [merge, compare, inc, walk, copy] = measureInterleaved(cases, { rounds: 7, sliceMs: 100 });
  rows.push(
    {
      name: `vv merge, ${size} entries`,
      ours: merge!,
      baseline: copy!,
      note: `${((merge!.medianOpsPerSec * size) / 1e6).toFixed(1)} M entries/s`,
    },
    {
      name: `vv compare, ${size} entries`,
      ours: compare!,
      baseline: walk!,
      note: `${((compare!.medianOpsPerSec * size) / 1e6).toFixed(1)} M entries/s`,
    },
    {
      name: `vv increment every entry, ${size} entries`,
      ours: inc!,
      baseline: walk!,
      note: `${((inc!.medianOpsPerSec * size) / 1e6).toFixed(1)} M entries/s`,
    },
  );
}

report('core', '@elara/core wire codecs', rows);
if (sink === 0x7fff_ffff) console.log('');

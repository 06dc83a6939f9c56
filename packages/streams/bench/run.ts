/**
 * Benchmarks of @elara/streams, each beside the state field doing the same work without the
 * streams, measured in the same run (the raw baseline):
 * - send: `text.send()` (content check, record encoding, numbering, signing, local apply,
 *   projection, emission) beside state's `LocalEvents.durable()` of the same record bytes;
 * - project: remote text events received by a field whose text stream is open (with and
 *   without a `messages$` subscriber, which gets a new list per message) beside a bare field;
 * - react: remote reactions and withdrawals (500 different ones, alternating) all aimed at one
 *   message, received with the stream open, beside a bare field: the cost of a reaction must
 *   not grow with the reactions the message already has.
 * Signatures are a constant (no crypto: state and streams never import it); the log keeps the
 * default 10 000 records, so the long runs also measure the bound's drops.
 * Run: `cd packages/streams && npx tsx --conditions=@elara/source bench/run.ts`.
 */
import {
  encodeEnvelope,
  EventKind,
  EventType,
  messageIdFromEvent,
  nodeId,
  type NodeId,
  sessionId,
  signEnvelope,
} from '@elara/core';
import { measureInterleaved, report, type BenchRow } from '@elara/bench-kit';
import { LocalEvents, StateField, staticMembership } from '@elara/state';
import { classifyAt, correctionWeight, type TimeView } from '@elara/time';
import {
  encodeTextMessage,
  StreamKind,
  Streams,
  streamAtomId,
  streamAtomSpec,
  streamOptions,
} from '../src/index.ts';

const T0 = 1_800_000_000_000_000;
const session = sessionId(0x5e55n);
const alice = nodeId(0xa11c_e000_0000_0001n);
const bob = nodeId(0xb0b0_0000_0000_0002n);
const atom = streamAtomId(StreamKind.Text, 'bench');
const spec = streamAtomSpec(StreamKind.Text, streamOptions());
const SIGNATURE = new Uint8Array(64).fill(7);
const signer = (): Uint8Array => SIGNATURE;
const content = new TextEncoder().encode('hello, this is a chat message of ordinary length');
let sink = 0;

/** τs that moves 1 µs per reading (events keep increasing stamps). */
function ticking(): TimeView {
  let t = T0;
  const now = (): number => (t += 1);
  return {
    now,
    classify: (x) => classifyAt(t, 1_000_000, 100_000, x),
    correctionWeight: (d) => correctionWeight(d, 1_000_000),
  };
}

function field(self: NodeId, time: TimeView): StateField {
  return new StateField({
    session,
    self,
    time,
    verifier: () => true,
    membership: staticMembership([alice, bob]),
  });
}

function record(author: NodeId, seq: number, time: number): Uint8Array {
  return encodeTextMessage({
    id: messageIdFromEvent(author, BigInt(seq)),
    author,
    timestamp: time,
    replyTo: undefined,
    editOf: undefined,
    deleted: false,
    reaction: false,
    content,
  });
}

/** Bob's reaction `seq` to his message 1: one of 500, reacting and withdrawing by turns. */
function reaction(seq: number, time: number): Uint8Array {
  return encodeTextMessage({
    id: messageIdFromEvent(bob, BigInt(seq)),
    author: bob,
    timestamp: time,
    replyTo: messageIdFromEvent(bob, 1n),
    editOf: undefined,
    deleted: seq % 2 === 1,
    reaction: true,
    content: new TextEncoder().encode(`r${seq % 500}`),
  });
}

// Send ----------------------------------------------------------------------------------------

const sendTime = ticking();
const sender = field(alice, sendTime);
const streams = new Streams({ field: sender, time: sendTime, signer });
const chat = streams.text('bench');
streams.outgoing$.subscribe(({ bytes }) => (sink += bytes.length));
const message = 'hello, this is a chat message of ordinary length';

const rawTime = ticking();
const rawField = field(alice, rawTime);
rawField.define(atom, spec);
const local = new LocalEvents({ field: rawField, signer, now: () => rawTime.now() });

const send = measureInterleaved(
  [
    {
      name: 'text.send(message)',
      run(n) {
        for (let i = 0; i < n; i++) sink += Number(chat.send(message) & 1n);
      },
    },
    {
      name: 'raw: LocalEvents.durable(record) on a bare field',
      run(n) {
        for (let i = 0; i < n; i++) {
          const seq = local.nextSeq();
          const time = rawTime.now();
          const data = record(alice, seq, time);
          const { bytes } = local.durable({
            target: atom,
            eventType: EventType.TextAppend,
            mutation: { type: 'append', data },
            time,
          });
          sink += bytes.length;
        }
      },
    },
  ],
  { rounds: 7, sliceMs: 100 },
);

// Project -------------------------------------------------------------------------------------

/** Bob's text events, encoded once and shared by every receiver. */
const POOL = 200_000;

function events(data: (seq: number, time: number) => Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let seq = 1; seq <= POOL; seq++) {
    const time = T0 + seq * 10;
    const env = signEnvelope(
      session,
      {
        kind: EventKind.Durable,
        author: bob,
        seq,
        time,
        target: atom,
        eventType: EventType.TextAppend,
        dependencies: [],
        mutation: { type: 'append', data: data(seq, time) },
      },
      signer,
    );
    out.push(encodeEnvelope(env));
  }
  return out;
}

const messages = events((seq, time) => record(bob, seq, time));
const reactions = events((seq, time) => (seq === 1 ? record(bob, 1, time) : reaction(seq, time)));

/**
 * Receives the pool's events in order; at its end a fresh receiver starts over (once per
 * 200 000 events, so building it is noise).
 */
function receiver(
  withStream: boolean,
  subscribe: boolean,
  pool: readonly Uint8Array[] = messages,
): (n: number) => void {
  let f: StateField;
  let next = POOL;
  const fresh = (): void => {
    const time = ticking();
    f = field(alice, time);
    if (withStream) {
      const t = new Streams({ field: f, time, signer }).text('bench');
      if (subscribe) t.messages$.subscribe((list) => (sink += list.length));
    } else {
      f.define(atom, spec);
    }
    next = 0;
  };
  return (n) => {
    for (let i = 0; i < n; i++) {
      if (next === POOL) fresh();
      sink += f.receiveBytes(pool[next++] as Uint8Array, { from: bob }).status.length;
    }
  };
}

const project = measureInterleaved(
  [
    { name: 'receive, text stream open', run: receiver(true, false) },
    { name: 'receive, text stream open, messages$ subscribed', run: receiver(true, true) },
    { name: 'raw: receive on a bare field (no stream)', run: receiver(false, false) },
  ],
  { rounds: 7, sliceMs: 100 },
);

const react = measureInterleaved(
  [
    {
      name: 'receive reactions to one message, text stream open',
      run: receiver(true, false, reactions),
    },
    {
      name: 'raw: receive them on a bare field (no stream)',
      run: receiver(false, false, reactions),
    },
  ],
  { rounds: 7, sliceMs: 100 },
);

const rows: BenchRow[] = [
  { name: 'send a message', ours: send[0]!, baseline: send[1]! },
  { name: 'project a remote message', ours: project[0]!, baseline: project[2]! },
  {
    name: 'project a remote message, list subscriber (10 000 kept)',
    ours: project[1]!,
    baseline: project[2]!,
  },
  {
    name: 'project a remote reaction, all on one message (10 000 kept)',
    ours: react[0]!,
    baseline: react[1]!,
  },
];
report(
  'streams',
  '@elara/streams: send, projection and reactions beside the bare state field',
  rows,
);
if (sink === 0.5) console.log(sink);

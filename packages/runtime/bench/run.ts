// @elara/runtime benchmark: durable text events end to end between two nodes over loopback UDP,
// beside the raw work each such event cannot avoid (Ed25519 sign, ChaCha20-Poly1305 seal, UDP
// send and receive, open, Ed25519 verify: node:crypto and node:dgram at their fastest), in the
// same interleaved rounds. Both run closed-loop (at most WINDOW events in flight), one process.
import {
  createCipheriv,
  createDecipheriv,
  generateKeyPairSync,
  randomBytes,
  sign,
  verify,
} from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { report, resultsOfRounds, type CaseResult } from '@elara/bench-kit';
import { ChangeCause } from '@elara/state';
import { Node, type Session } from '../src/index.ts';

const ROUNDS = 7;
const SLICE_MS = 400;
const WINDOW = 256;
const BATCH = 32;
const CONTENT = 'x'.repeat(100);

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

interface Case {
  readonly name: string;
  /** Runs for about `ms`; returns events delivered and the time they took. */
  readonly slice: (ms: number) => Promise<{ delivered: number; elapsedMs: number }>;
}

/** Sends while the window has room, until `ms` passed and everything sent has arrived. */
async function closedLoop(
  ms: number,
  send: () => void,
  delivered: () => number,
): Promise<{ delivered: number; elapsedMs: number }> {
  const start = performance.now();
  const first = delivered();
  let sent = 0;
  while (performance.now() - start < ms) {
    for (let k = 0; k < BATCH && sent - (delivered() - first) < WINDOW; k++, sent++) send();
    await turn();
  }
  const drainBy = performance.now() + 2_000;
  while (delivered() - first < sent && performance.now() < drainBy) await turn();
  return { delivered: delivered() - first, elapsedMs: performance.now() - start };
}

async function runtimeCase(): Promise<{ c: Case; close: () => Promise<void> }> {
  const config = { heartbeatIntervalUs: 20_000, eventBufferSize: 1 << 20 };
  const alice = await Node.create(config);
  const bob = await Node.create(config);
  const room: Session = await alice.createSession();
  const joined = await bob.joinSession(room.invite());
  let arrived = 0;
  room.state.onChange((change) => {
    if (change.cause === ChangeCause.Event) arrived++;
  });
  const text = joined.text('general');
  return {
    c: {
      name: 'text event end to end (runtime)',
      slice: (ms) =>
        closedLoop(
          ms,
          () => void text.send(CONTENT),
          () => arrived,
        ),
    },
    close: async () => {
      await Promise.all([alice.stop(), bob.stop()]);
    },
  };
}

async function bound(): Promise<Socket> {
  const s = createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  s.setRecvBufferSize(4 << 20);
  return s;
}

async function rawCase(): Promise<{ c: Case; close: () => Promise<void> }> {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const key = randomBytes(32);
  const tx = await bound();
  const rx = await bound();
  const port = rx.address().port;
  let arrived = 0;
  let n = 0;
  // What a durable text event is made of on the wire: ~160 bytes of envelope and its signature.
  const body = Buffer.alloc(160, 0x42);
  rx.on('message', (m) => {
    const nonce = m.subarray(0, 12);
    const d = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
    d.setAuthTag(m.subarray(m.length - 16));
    const plain = Buffer.concat([d.update(m.subarray(12, m.length - 16)), d.final()]);
    if (verify(null, plain.subarray(0, 160), publicKey, plain.subarray(160))) arrived++;
  });
  const send = (): void => {
    const signature = sign(null, body, privateKey);
    const nonce = Buffer.alloc(12);
    nonce.writeUInt32LE(n++, 0);
    const c = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
    const sealed = Buffer.concat([
      nonce,
      c.update(body),
      c.update(signature),
      c.final(),
      c.getAuthTag(),
    ]);
    tx.send(sealed, port, '127.0.0.1');
  };
  return {
    c: {
      name: 'raw sign + seal + UDP + open + verify (node:crypto)',
      slice: (ms) => closedLoop(ms, send, () => arrived),
    },
    close: async () => {
      await Promise.all([tx, rx].map((s) => new Promise<void>((r) => s.close(() => r()))));
    },
  };
}

const built = [await runtimeCase(), await rawCase()];
const cases = built.map((b) => b.c);
for (const c of cases) await c.slice(100); // warm up
const rates = cases.map(() => [] as number[]);
for (let r = 0; r < ROUNDS; r++) {
  for (let k = 0; k < cases.length; k++) {
    const i = (k + r) % cases.length;
    const { delivered, elapsedMs } = await (cases[i] as Case).slice(SLICE_MS);
    (rates[i] as number[]).push((delivered * 1000) / elapsedMs);
  }
}
// Every round's rate under one run: the ratio pairs round with round (wall clock: the work
// happens in sockets and the kernel, which this process's CPU time does not see).
const results = resultsOfRounds(
  cases.map((c) => c.name),
  rates,
);
await Promise.all(built.map((b) => b.close()));
report('runtime', 'Runtime: durable text events delivered per second, two nodes on loopback', [
  {
    name: 'text event end to end',
    ours: results[0] as CaseResult,
    baseline: results[1] as CaseResult,
    note: `closed loop, ${WINDOW} in flight, ${CONTENT.length}-byte messages`,
  },
]);

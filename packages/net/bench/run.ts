// @elara/net benchmark: UDP transport vs raw node:dgram (one process and two), and SimNetwork vs
// the bare core link model driving the same traffic. Every figure beside its baseline, same run.
import { fork } from 'node:child_process';
import { createSocket } from 'node:dgram';
import {
  measureInterleaved,
  report,
  scaled,
  type BenchRow,
  type CaseResult,
} from '@elara/bench-kit';
import { LinkModel, Prng, VirtualScheduler, type LinkConfig } from '@elara/core/sim';
import { SimNetwork, UdpTransport, type SimTransport } from '../src/index.ts';
import { relayRows } from './relay.ts';
import {
  measureInterleavedAsync,
  settle,
  type AsyncCase,
  type AsyncResult,
  type Slice,
} from './async-measure.ts';

const SIZES = [64, 1200] as const;
const ROUNDS = 9;
const SLICE_MS = 300;
// The raw sender yields a turn every 32 datagrams, as libuv reads 32 per turn: the same sending
// pattern as the transport's pacer, so the ratio is the transport's own cost.
const RAW_BATCH = 32;

const now = (): number => performance.timeOrigin + performance.now();
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** The sender half of a case: pushes for `ms`, returns how many were accepted. */
type Push = (ms: number, start: number) => Promise<number>;

function oursPush(a: UdpTransport, port: number, size: number): Push {
  const data = new Uint8Array(size).fill(0x10);
  const to = { family: 'IPv4', address: '127.0.0.1', port } as const;
  return async (ms, start) => {
    let sent = 0;
    while (now() - start < ms) {
      for (let k = 0; k < 64; k++) {
        if (a.send(data, to) === 'full') await a.writable();
        else sent++;
      }
    }
    await a.drained();
    return sent;
  };
}

function rawPush(socket: ReturnType<typeof createSocket>, port: number, size: number): Push {
  const data = new Uint8Array(size).fill(0x10);
  return async (ms, start) => {
    let sent = 0;
    while (now() - start < ms) {
      for (let k = 0; k < RAW_BATCH; k++) socket.send(data, port, '127.0.0.1');
      sent += RAW_BATCH;
      await turn();
    }
    return sent;
  };
}

function slice(received: number, sent: number, start: number, last: number, size: number): Slice {
  return {
    items: received,
    elapsedMs: Math.max(last - start, 1e-3),
    extra: { sent, loss: sent === 0 ? 0 : 1 - received / sent, bytes: size },
  };
}

async function rawSocket(): Promise<ReturnType<typeof createSocket>> {
  const s = createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  s.setRecvBufferSize(4 << 20);
  return s;
}

async function oneProcess(): Promise<{ cases: AsyncCase[]; close: () => Promise<void> }> {
  const tx = await UdpTransport.create({ bind: '127.0.0.1:0' });
  const rx = await UdpTransport.create({ bind: '127.0.0.1:0' });
  const rawTx = await rawSocket();
  const rawRx = await rawSocket();
  const c = { ours: 0, oursLast: 0, raw: 0, rawLast: 0 };
  rx.datagrams$.subscribe(() => {
    c.ours++;
    c.oursLast = now();
  });
  rawRx.on('message', () => {
    c.raw++;
    c.rawLast = now();
  });
  const cases: AsyncCase[] = SIZES.flatMap((size) => {
    const ours = oursPush(tx, rx.localAddress.port, size);
    const raw = rawPush(rawTx, rawRx.address().port, size);
    return [
      {
        name: `ours ${size} B`,
        run: async (ms: number) => {
          c.ours = 0;
          const start = now();
          const sent = await ours(ms, start);
          const received = await settle(() => c.ours, sent);
          return slice(received, sent, start, c.oursLast, size);
        },
      },
      {
        name: `raw ${size} B`,
        run: async (ms: number) => {
          c.raw = 0;
          const start = now();
          const sent = await raw(ms, start);
          const received = await settle(() => c.raw, sent);
          return slice(received, sent, start, c.rawLast, size);
        },
      },
    ];
  });
  return {
    cases,
    close: async () => {
      await Promise.all([tx.close(), rx.close()]);
      rawTx.close();
      rawRx.close();
    },
  };
}

interface PeerCounts {
  raw: number;
  ours: number;
  rawLast: number;
  oursLast: number;
}

async function twoProcesses(): Promise<{ cases: AsyncCase[]; close: () => Promise<void> }> {
  const child = fork(new URL('./udp-peer.ts', import.meta.url), [], { execArgv: process.execArgv });
  const next = (): Promise<unknown> => new Promise((resolve) => child.once('message', resolve));
  const ask = async <T>(cmd: string): Promise<T> => {
    const reply = next();
    child.send({ cmd });
    return (await reply) as T;
  };
  const ports = (await next()) as { rawPort: number; oursPort: number };
  const tx = await UdpTransport.create({ bind: '127.0.0.1:0' });
  const rawTx = await rawSocket();
  const cases: AsyncCase[] = SIZES.flatMap((size) => {
    const ours = oursPush(tx, ports.oursPort, size);
    const raw = rawPush(rawTx, ports.rawPort, size);
    const run =
      (push: Push, pick: (c: PeerCounts) => [number, number]) =>
      async (ms: number): Promise<Slice> => {
        await ask('reset');
        const start = now();
        const sent = await push(ms, start);
        const received = await settle(async () => pick(await ask<PeerCounts>('count'))[0], sent);
        const [, last] = pick(await ask<PeerCounts>('count'));
        return slice(received, sent, start, last, size);
      };
    return [
      { name: `ours ${size} B, 2 proc`, run: run(ours, (c) => [c.ours, c.oursLast]) },
      { name: `raw ${size} B, 2 proc`, run: run(raw, (c) => [c.raw, c.rawLast]) },
    ];
  });
  return {
    cases,
    close: async () => {
      child.send({ cmd: 'exit' });
      await new Promise((resolve) => child.once('exit', resolve));
      await tx.close();
      rawTx.close();
    },
  };
}

function udpRows(results: AsyncResult[], processes: string): BenchRow[] {
  const byName = new Map(results.map((r) => [r.name, r]));
  const suffix = processes === 'one process' ? '' : ', 2 proc';
  return SIZES.map((size) => {
    const ours = byName.get(`ours ${size} B${suffix}`) as AsyncResult;
    const raw = byName.get(`raw ${size} B${suffix}`) as AsyncResult;
    const mb = (r: AsyncResult): string => ((r.medianOpsPerSec * size) / 1e6).toFixed(1);
    const pct = (x: number | undefined): string => `${(100 * (x ?? 0)).toFixed(1)} %`;
    return {
      name: `UDP ${processes}, ${size} B datagrams delivered`,
      ours,
      baseline: raw,
      target: 0.8,
      note: `${mb(ours)} vs ${mb(raw)} MB/s; loss ours ${pct(ours.extra['loss'])}, raw ${pct(raw.extra['loss'])}`,
    };
  });
}

// ---- SimNetwork: 100 nodes, chaos on, vs the bare link model driving the same traffic.

const CHAOS: LinkConfig = {
  latencyUs: 30_000,
  jitter: { distribution: 'exponential', meanUs: 10_000 },
  loss: {
    model: 'gilbert-elliott',
    pGoodToBad: 0.01,
    pBadToGood: 0.25,
    lossGood: 0.01,
    lossBad: 0.4,
  },
  reorder: { p: 0.02, delayUs: 15_000 },
  duplicate: 0.01,
  bandwidthBps: 10_000_000,
  queueBytes: 65_536,
};
const NODES = 100;
const TICK_US = 10_000; // every node sends one datagram per tick: 10 000 datagrams per virtual s

function simCases(): {
  cases: { name: string; run: (n: number) => void }[];
  delivered: () => number[];
  sent: () => number[];
} {
  const totals = { sim: { sent: 0, delivered: 0 }, bare: { sent: 0, delivered: 0 } };
  const payload = new Uint8Array(200);

  const scheduler = new VirtualScheduler();
  const net = new SimNetwork({ scheduler, seed: 1, defaultLink: CHAOS });
  const nodes: SimTransport[] = Array.from({ length: NODES }, () => net.bind());
  for (const n of nodes) n.datagrams$.subscribe(() => totals.sim.delivered++);
  const simRng = new Prng(2);
  let simCount = 0;

  const bareScheduler = new VirtualScheduler();
  const bareRng = new Prng(2);
  const root = new Prng(1);
  const links = new Map<number, LinkModel>();
  const arrive = (): void => {
    totals.bare.delivered++;
  };
  let bareCount = 0;

  return {
    cases: [
      {
        name: 'SimNetwork',
        run: (n) => {
          for (let i = 0; i < n; i++) {
            const from = nodes[simCount % NODES] as SimTransport;
            const to = nodes[simRng.int(0, NODES - 1)] as SimTransport;
            from.send(payload, to.localAddress);
            totals.sim.sent++;
            if (++simCount % NODES === 0) scheduler.advanceBySync(TICK_US);
          }
        },
      },
      {
        name: 'bare LinkModel',
        run: (n) => {
          for (let i = 0; i < n; i++) {
            const from = bareCount % NODES;
            const to = bareRng.int(0, NODES - 1);
            const key = from * NODES + to;
            let link = links.get(key);
            if (link === undefined) {
              link = new LinkModel(CHAOS, root.fork(`${from}>${to}`));
              links.set(key, link);
            }
            for (const t of link.transmit(bareScheduler.now(), payload.byteLength))
              bareScheduler.at(t, arrive);
            totals.bare.sent++;
            if (++bareCount % NODES === 0) bareScheduler.advanceBySync(TICK_US);
          }
        },
      },
    ],
    delivered: () => [totals.sim.delivered, totals.bare.delivered],
    sent: () => [totals.sim.sent, totals.bare.sent],
  };
}

const one = await oneProcess();
const oneResults = await measureInterleavedAsync(one.cases, ROUNDS, SLICE_MS);
await one.close();
const two = await twoProcesses();
const twoResults = await measureInterleavedAsync(two.cases, ROUNDS, SLICE_MS);
await two.close();
report('net-udp', '@elara/net: UDP transport vs raw node:dgram send(buf, port, addr)', [
  ...udpRows(oneResults, 'one process'),
  ...udpRows(twoResults, 'two processes'),
]);

const sim = simCases();
// Every pair's link is created on its first datagram; create them all before measuring.
for (const c of sim.cases) c.run(300_000);
const [simResult, bareResult] = measureInterleaved(sim.cases) as [CaseResult, CaseResult];
const [simDelivered, bareDelivered] = sim.delivered() as [number, number];
const [simSent, bareSent] = sim.sent() as [number, number];
const simFraction = simDelivered / simSent;
const bareFraction = bareDelivered / bareSent;
const ours = scaled(simResult, simFraction);
const speed = simResult.medianOpsPerSec / (NODES * (1e6 / TICK_US));
report('net-sim', '@elara/net: SimNetwork, 100 nodes, chaos on', [
  {
    name: 'delivered datagrams per wall second',
    ours,
    baseline: scaled(bareResult, bareFraction),
    note: `${speed.toFixed(1)}× faster than real time at 10 000 datagrams per virtual second; delivered ${(100 * simFraction).toFixed(1)} % vs ${(100 * bareFraction).toFixed(1)} % of sent`,
  },
]);

report(
  'net-relay',
  '@elara/net: RelayedTransport through coturn vs direct UdpTransport',
  await relayRows(ROUNDS, SLICE_MS),
);

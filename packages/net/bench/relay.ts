// Relayed (TURN through a real coturn on loopback) vs direct UDP, same run: datagrams delivered
// per second by a sender obeying backpressure, 64 B and 1200 B. Each relayed datagram crosses
// coturn twice (client -> relay A -> relay B -> client), in another process.
import { startCoturn } from '@elara/coturn';
import {
  endpoint,
  realTimeScheduler,
  secureRandomSource,
  systemClock,
  type Endpoint,
} from '@elara/core';
import type { BenchRow } from '@elara/bench-kit';
import {
  Demultiplexer,
  RelayedTransport,
  StunClient,
  TurnClient,
  UdpTransport,
  type Transport,
} from '../src/index.ts';
import {
  measureInterleavedAsync,
  settle,
  type AsyncCase,
  type AsyncResult,
} from './async-measure.ts';

const SIZES = [64, 1200] as const;
const now = (): number => performance.timeOrigin + performance.now();

async function relayed(server: Endpoint, username: string, password: string) {
  const scheduler = realTimeScheduler(systemClock());
  const side = async () => {
    const udp = await UdpTransport.create({ bind: '127.0.0.1:0', maxDatagramSize: 1460 });
    const demux = new Demultiplexer(udp.datagrams$);
    const stun = new StunClient({ transport: udp, demux, scheduler, random: secureRandomSource() });
    const turn = await TurnClient.allocate({ stun, demux, server, username, password });
    return { udp, demux, stun, relayed: new RelayedTransport({ turn }) };
  };
  const a = await side();
  const b = await side();
  await a.relayed.permit(b.relayed.localAddress);
  await b.relayed.permit(a.relayed.localAddress);
  return {
    tx: a.relayed as Transport,
    rx: b.relayed as Transport,
    close: async () => {
      for (const s of [a, b]) {
        await s.relayed.close();
        s.stun.close();
        s.demux.close();
        await s.udp.close();
      }
    },
  };
}

function sliceCase(name: string, tx: Transport, rx: Transport, size: number): AsyncCase {
  let received = 0;
  rx.datagrams$.subscribe(() => received++);
  const data = new Uint8Array(size).fill(0x10);
  return {
    name,
    run: async (ms) => {
      received = 0;
      const start = now();
      let sent = 0;
      while (now() - start < ms) {
        for (let k = 0; k < 64; k++) {
          if (tx.send(data, rx.localAddress) === 'full') await tx.writable();
          else sent++;
        }
      }
      await tx.drained();
      const got = await settle(() => received, sent);
      return {
        items: got,
        elapsedMs: now() - start,
        extra: { loss: sent === 0 ? 0 : 1 - got / sent },
      };
    },
  };
}

/** Measures relayed vs direct; returns the rows for `report()`. */
export async function relayRows(rounds: number, sliceMs: number): Promise<BenchRow[]> {
  const coturn = await startCoturn();
  const server = endpoint(coturn.host, coturn.port);
  const relay = await relayed(server, coturn.username, coturn.password);
  const dTx = await UdpTransport.create({ bind: '127.0.0.1:0' });
  const dRx = await UdpTransport.create({ bind: '127.0.0.1:0' });
  try {
    const cases = SIZES.flatMap((size) => [
      sliceCase(`relayed ${size} B`, relay.tx, relay.rx, size),
      sliceCase(`direct ${size} B`, dTx, dRx, size),
    ]);
    const results = await measureInterleavedAsync(cases, rounds, sliceMs);
    const byName = new Map(results.map((r) => [r.name, r]));
    const pct = (r: AsyncResult): string => `${(100 * (r.extra['loss'] ?? 0)).toFixed(1)} %`;
    return SIZES.map((size) => {
      const ours = byName.get(`relayed ${size} B`) as AsyncResult;
      const baseline = byName.get(`direct ${size} B`) as AsyncResult;
      return {
        name: `relayed through coturn vs direct UDP, ${size} B datagrams delivered`,
        ours,
        baseline,
        note: `loss relayed ${pct(ours)}, direct ${pct(baseline)} (coturn relays on one thread, another process)`,
      };
    });
  } finally {
    await relay.close();
    await Promise.all([dTx.close(), dRx.close()]);
    await coturn.stop();
  }
}

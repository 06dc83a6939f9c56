import { startCoturn, type Coturn } from '@elara/coturn';
import { endpoint } from '@elara/core';
import { afterAll, beforeAll } from 'vitest';
import { RelayedTransport, TurnClient } from '../../src/index.ts';
import { describeTransportConformance, worldLimits } from '../conformance/transport-conformance.ts';
import { activeHandles, waitFor } from './real-world.ts';
import { stunPeer } from './stun-peer.ts';

let coturn: Coturn;
beforeAll(async () => {
  coturn = await startCoturn();
});
afterAll(() => coturn.stop());

// Two clients, each with its own socket and allocation, talking relay to relay: every datagram
// crosses coturn twice (client -> relay A -> relay B -> client).
describeTransportConformance({
  name: 'RelayedTransport (coturn on loopback)',
  async create(options = {}) {
    const server = endpoint(coturn.host, coturn.port);
    const { sender, receiver } = worldLimits(options);
    // coturn relays on one thread with default socket buffers: a sender bursting at loopback
    // speed loses datagrams inside the relay. The carriers are paced below what it keeps up
    // with, so the path is lossless as the suite requires (a real deployment paces too).
    const paced = { pacing: { burst: 8, bytesPerSecond: 10_000_000 } };
    const carriers = await Promise.all([stunPeer({}, paced), stunPeer({}, paced)]);
    const [pa, pb] = carriers;
    const allocate = (p: typeof pa): Promise<TurnClient> =>
      TurnClient.allocate({
        stun: p.stun,
        demux: p.demux,
        server,
        username: coturn.username,
        password: coturn.password,
      });
    // The carriers are shared infrastructure the relayed transports do not own: what must be
    // released on close is counted from here.
    const baseline = activeHandles();
    const a = new RelayedTransport({ turn: await allocate(pa), ...sender });
    const b = new RelayedTransport({ turn: await allocate(pb), ...receiver });
    await Promise.all([a.permit(b.localAddress), b.permit(a.localAddress)]);
    return {
      a,
      b,
      runUntil: (done) => waitFor(done),
      // Timeouts are now counted too, process-wide: one of the suite's own (an earlier world's
      // last retransmission wait) may end meanwhile, which must not read as a negative leak.
      leaks: () => Math.max(0, activeHandles() - baseline),
      dispose: async () => {
        await Promise.all([a.close(), b.close()]);
        await Promise.all(carriers.map((c) => c.close()));
      },
    };
  },
});

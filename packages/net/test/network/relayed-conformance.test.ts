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
    // The relay is the lossy part: coturn reads each socket on one thread with the kernel's
    // default receive buffer (net.core.rmem_default, 208 KiB: about 90 full-size datagrams), so
    // while it waits for a CPU on a loaded machine a sender at 10 MB/s overflowed that buffer
    // within ~20 ms, and the kernel dropped datagrams (UDP RcvbufErrors) — a fixed-count wait
    // then failed. The carriers pace at 1 MB/s in bursts of 4 (a stall of ~100 ms fits in the
    // buffer), and the world is declared lossy: the suite resends what the relay still loses
    // and checks that whatever arrives is intact and from the sender.
    const paced = { pacing: { burst: 4, bytesPerSecond: 1_000_000 } };
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
      lossy: { waitMs: 2_000, rounds: 5 },
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

import { startCoturn, type Coturn } from '@elara/coturn';
import { endpoint } from '@elara/core';
import { afterAll, beforeAll } from 'vitest';
import { RelayedTransport } from '../../src/index.ts';
import { describeTransportConformance, worldLimits } from '../conformance/transport-conformance.ts';
import { activeHandles, handlesSince, waitFor } from './real-world.ts';
import { allocateOnFreshPort, stunPeer, type StunPeer } from './stun-peer.ts';

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
    // The carriers are shared infrastructure the relayed transports do not own: what must be
    // released on close is counted from here, less the carriers' own two sockets.
    const baseline = activeHandles() + 2;
    const allocation = { server, username: coturn.username, password: coturn.password };
    const carry = (): Promise<StunPeer> => stunPeer({}, paced);
    const [ra, rb] = await Promise.all([
      allocateOnFreshPort(allocation, carry),
      allocateOnFreshPort(allocation, carry),
    ]);
    const carriers = [ra.peer, rb.peer];
    const a = new RelayedTransport({ turn: ra.turn, ...sender });
    const b = new RelayedTransport({ turn: rb.turn, ...receiver });
    await Promise.all([a.permit(b.localAddress), b.permit(a.localAddress)]);
    return {
      a,
      b,
      runUntil: (done) => waitFor(done),
      lossy: { waitMs: 2_000, rounds: 5 },
      leaks: () => handlesSince(baseline),
      dispose: async () => {
        await Promise.all([a.close(), b.close()]);
        await Promise.all(carriers.map((c) => c.close()));
      },
    };
  },
});

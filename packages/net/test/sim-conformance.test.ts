import { VirtualScheduler } from '@elara/core/sim';
import { SimNetwork } from '../src/index.ts';
import { describeTransportConformance, worldLimits } from './conformance/transport-conformance.ts';

// A path that reorders (jitter and hold-backs) but neither loses nor duplicates, so the suite's
// exact counts hold while its "in whatever order" is really exercised.
describeTransportConformance({
  name: 'SimNetwork',
  create(options = {}) {
    const scheduler = new VirtualScheduler(1_800_000_000_000_000);
    const net = new SimNetwork({
      scheduler,
      seed: 7,
      defaultLink: {
        latencyUs: 2_000,
        jitter: { distribution: 'uniform', maxUs: 3_000 },
        reorder: { p: 0.2, delayUs: 5_000 },
      },
    });
    const { sender, receiver } = worldLimits(options);
    const a = net.bind(sender);
    const b = net.bind(receiver);
    return Promise.resolve({
      a,
      b,
      runUntil: (done) => scheduler.runUntil(done, 60_000_000),
      // Whatever is scheduled beyond the datagrams in flight belongs to the transports.
      leaks: () => scheduler.pending - net.stats.inFlight,
      dispose: () => net.close(),
    });
  },
});

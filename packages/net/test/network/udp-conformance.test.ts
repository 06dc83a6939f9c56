import { UdpTransport } from '../../src/index.ts';
import { describeTransportConformance, worldLimits } from '../conformance/transport-conformance.ts';
import { activeHandles, handlesSince, waitFor } from './real-world.ts';

describeTransportConformance({
  name: 'UdpTransport (loopback)',
  async create(options = {}) {
    const baseline = activeHandles();
    const { sender, receiver } = worldLimits(options);
    const a = await UdpTransport.create({ bind: '127.0.0.1:0', ...sender });
    const b = await UdpTransport.create({ bind: '127.0.0.1:0', ...receiver });
    return {
      a,
      b,
      runUntil: (done) => waitFor(done),
      leaks: () => handlesSince(baseline),
      dispose: async () => {
        await Promise.all([a.close(), b.close()]);
      },
    };
  },
});

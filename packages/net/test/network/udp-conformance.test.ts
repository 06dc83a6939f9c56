import { UdpTransport } from '../../src/index.ts';
import { describeTransportConformance } from '../conformance/transport-conformance.ts';
import { activeHandles, waitFor } from './real-world.ts';

describeTransportConformance({
  name: 'UdpTransport (loopback)',
  async create(options = {}) {
    const baseline = activeHandles();
    const common = {
      bind: '127.0.0.1:0',
      ...(options.burst === undefined ? {} : { pacing: { burst: options.burst } }),
      ...(options.sendQueueLength === undefined
        ? {}
        : { sendQueueLength: options.sendQueueLength }),
      ...(options.maxDatagramSize === undefined
        ? {}
        : { maxDatagramSize: options.maxDatagramSize }),
    };
    const a = await UdpTransport.create(common);
    const b = await UdpTransport.create({
      ...common,
      ...(options.maxReceiveBytes === undefined
        ? {}
        : { maxReceiveBytes: options.maxReceiveBytes }),
    });
    return {
      a,
      b,
      runUntil: (done) => waitFor(done),
      leaks: () => activeHandles() - baseline,
      dispose: async () => {
        await Promise.all([a.close(), b.close()]);
      },
    };
  },
});

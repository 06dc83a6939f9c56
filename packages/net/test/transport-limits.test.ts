import { OutOfRangeError } from '@elara/core';
import { VirtualScheduler } from '@elara/core/sim';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_BURST,
  DEFAULT_MAX_DATAGRAM_SIZE,
  DEFAULT_MAX_RECEIVE_BYTES,
  DEFAULT_SEND_QUEUE_LENGTH,
  MAX_DATAGRAM_SIZE,
  MAX_CARRIER_DATAGRAM_SIZE,
  RELAY_OVERHEAD,
  resolveTransportLimits,
  SimNetwork,
} from '../src/index.ts';

describe('transport limits', () => {
  it('defaults: 1200-byte budget, 1500-byte receive limit, 1024 queued, bursts of 32', () => {
    expect(resolveTransportLimits()).toEqual({
      maxDatagramSize: DEFAULT_MAX_DATAGRAM_SIZE,
      maxReceiveBytes: DEFAULT_MAX_RECEIVE_BYTES,
      sendQueueLength: DEFAULT_SEND_QUEUE_LENGTH,
      burst: DEFAULT_BURST,
      bytesPerSecond: undefined,
    });
    expect([DEFAULT_MAX_DATAGRAM_SIZE, MAX_DATAGRAM_SIZE]).toEqual([1200, 1400]);
    // A socket that carries TURN takes a full-size frame plus the relay's framing.
    expect(MAX_CARRIER_DATAGRAM_SIZE).toBe(MAX_DATAGRAM_SIZE + RELAY_OVERHEAD);
    expect(resolveTransportLimits({ maxDatagramSize: 1460 }).maxDatagramSize).toBe(1460);
  });

  it.each([
    { maxDatagramSize: 0 },
    { maxDatagramSize: 1461 },
    { maxDatagramSize: 12.5 },
    { maxReceiveBytes: 0 },
    { maxReceiveBytes: 70_000 },
    { sendQueueLength: 0 },
    { sendQueueLength: Number.NaN },
    { pacing: { burst: 0 } },
    { pacing: { bytesPerSecond: 0 } },
    { pacing: { bytesPerSecond: Number.POSITIVE_INFINITY } },
  ])('refuses %o with OutOfRangeError', (options) => {
    expect(() => resolveTransportLimits(options)).toThrow(OutOfRangeError);
    const net = new SimNetwork({ scheduler: new VirtualScheduler(), seed: 1 });
    expect(() => net.bind(options)).toThrow(OutOfRangeError);
  });
});

import { describe, expect, it } from 'vitest';
import { simNetwork } from '../src/demo-network.ts';
import { DemoJoinError, formSession } from '../src/demo-session.ts';

describe('forming the session', () => {
  it('a node that cannot join is named, with its tries and the last error', async () => {
    // Every datagram is lost: n2's three handshakes all time out.
    const network = simNetwork(
      { lossPercent: 100, jitterMs: 0, latencyMs: 20, skewMs: 0, seed: 1 },
      { paced: false },
    );
    try {
      const error: unknown = await formSession(network, 3).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(DemoJoinError.isInstance(error)).toBe(true);
      const e = error as DemoJoinError;
      expect(e.name).toBe('DemoJoinError');
      expect([e.node, e.attempts]).toEqual(['n2', 3]);
      expect(e.message).toMatch(/^n2 could not join after 3 tries \(HandshakeTimeoutError: /);
      expect((e.cause as Error).name).toBe('HandshakeTimeoutError');
    } finally {
      await network.close();
    }
  });

  it('an aborted signal stops the forming before the next node', async () => {
    const network = simNetwork(
      { lossPercent: 0, jitterMs: 0, latencyMs: 20, skewMs: 0, seed: 1 },
      { paced: false },
    );
    try {
      await expect(formSession(network, 3, {}, AbortSignal.abort())).rejects.toMatchObject({
        name: 'DemoInterruptedError',
        message: 'while forming the session',
      });
    } finally {
      await network.close();
    }
  });
});

import { afterAll, beforeAll, expect, it } from 'vitest';
import { startCoturn, stunProbe, type Coturn } from '../../src/index.ts';

let turn: Coturn;
beforeAll(async () => {
  turn = await startCoturn({ alternateAddress: true, maxAllocateLifetime: 30 });
});
afterAll(() => turn.stop());

it('runs a real coturn on loopback that answers STUN on both addresses, and stops', async () => {
  expect(turn.port).toBeGreaterThan(0);
  expect(await stunProbe(turn.host, turn.port, 1000)).toBe(true);
  expect(await stunProbe(turn.alternateHost as string, turn.port, 1000)).toBe(true);
  await turn.stop();
  expect(await stunProbe(turn.host, turn.port, 300)).toBe(false);
  await turn.stop();
});

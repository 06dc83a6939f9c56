import { describe, expect, it } from 'vitest';
import { demoMain } from '../../src/demo-cli.ts';

describe('the demo on loopback UDP', () => {
  it('the default node count forms a session over real sockets and converges', async () => {
    let text = '';
    const code = await demoMain(['--duration', '2', '--plain'], {
      write: (s: string) => (text += s),
    });
    expect(text).toContain('network: loopback UDP, real crypto');
    expect(text.trimEnd().split('\n').at(-1)).toMatch(
      /^converged: (\d)\/\1 nodes, [1-9]\d* messages, identical order/,
    );
    expect(text).toContain('none refused');
    expect(code).toBe(0);
  });
});

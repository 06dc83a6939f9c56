import { describe, expect, it } from 'vitest';
import { DEMO_DEFAULTS } from '../../src/demo-args.ts';
import { demoMain } from '../../src/demo-cli.ts';

describe('the demo on loopback UDP', () => {
  it('the default node count forms a session over real sockets and converges', async () => {
    const n = DEMO_DEFAULTS.nodes;
    let text = '';
    let errors = '';
    const code = await demoMain(['--duration', '2', '--plain'], {
      out: { write: (s: string) => (text += s) },
      err: { write: (s: string) => (errors += s) },
    });
    expect(errors).toBe('');
    expect(text).toContain('network: loopback UDP, real crypto');
    expect(text.trimEnd().split('\n').at(-1)).toMatch(
      new RegExp(`^converged: ${n}/${n} nodes, [1-9]\\d* messages, identical order`),
    );
    // Inputs refused are counted by name; none may be a bug (an unnamed error).
    expect(text).toMatch(/^traffic: \d+ datagrams sent, \d+ received, /m);
    expect(text).not.toContain('UnexpectedError');
    expect(code).toBe(0);
  });
});

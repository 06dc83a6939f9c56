import { describe, expect, it } from 'vitest';
import { demoMain } from '../src/demo-cli.ts';

function sink(isTTY: boolean): {
  out: { write(s: string): void; isTTY: boolean };
  text: () => string;
} {
  let text = '';
  return { out: { write: (s) => (text += s), isTTY }, text: () => text };
}

describe('the demo command', () => {
  it('a bad argument exits 2 naming the flag, with the usage', async () => {
    const s = sink(false);
    expect(await demoMain(['--nodes', 'many'], s.out)).toBe(2);
    expect(s.text()).toMatch(/^DemoArgsError: --nodes: "many" is not a number/);
    expect(s.text()).toContain('usage: npm run demo');
  });

  it('--help exits 0 with the usage and runs nothing', async () => {
    const s = sink(false);
    expect(await demoMain(['--help'], s.out)).toBe(0);
    expect(s.text()).toMatch(/^usage: npm run demo -- \[flags\]/);
    expect(s.text()).not.toContain('converged');
  });

  it('a simulated run prints plain progress without a terminal, then the summary; exit 0', async () => {
    const s = sink(false);
    expect(
      await demoMain(['--sim', '--duration', '2', '--seed', '3'], s.out, { paced: false }),
    ).toBe(0);
    const lines = s.text().trimEnd().split('\n');
    expect(lines[0]).toMatch(/^Elara demo: \d nodes form one encrypted session on SimNetwork/);
    expect(lines.filter((l) => /^\[\s+\d\.\d s chatting\]/.test(l)).length).toBeGreaterThanOrEqual(
      2,
    );
    expect(lines.at(-1)).toMatch(/^converged: (\d)\/\1 nodes, \d+ messages, identical order/);
    expect(s.text()).not.toContain('\x1b');
  });

  it('on a terminal the same run redraws a table', async () => {
    const s = sink(true);
    expect(
      await demoMain(['--sim', '--duration', '1', '--seed', '3'], s.out, { paced: false }),
    ).toBe(0);
    expect(s.text()).toContain('\x1b[2K');
    expect(s.text()).toMatch(/node\s+address\s+peers\s+here\s+msgs\s+τs offset/);
  });
});

import { describe, expect, it } from 'vitest';
import { LiveView, type ViewFrame } from '../src/live-view.ts';
import type { NodeRow } from '../src/node-row.ts';

const row = (name: string, messages: number): NodeRow => ({
  name,
  address: '127.0.0.1:40000',
  peers: 3,
  others: 3,
  present: 4,
  messages,
  typing: ['n2'],
  tauOffsetMs: -1.25,
  path: 'direct ×3, rtt 0.2–0.4 ms, loss 0 %',
});
const frame = (phase: ViewFrame['phase'], elapsedS: number, messages = 1): ViewFrame => ({
  phase,
  elapsedS,
  durationS: 10,
  rows: [row('n1', messages), row('n2', messages)],
});

function sink(isTTY: boolean): {
  out: { write(s: string): void; isTTY: boolean };
  text: () => string;
} {
  let text = '';
  return { out: { write: (s) => (text += s), isTTY }, text: () => text };
}

describe('the live view', () => {
  it('without a terminal prints one plain line per second of the run and per phase', () => {
    const s = sink(false);
    const view = new LiveView(s.out);
    for (let t = 0; t < 2.6; t += 0.25) view.show(frame('chatting', t, Math.round(t * 4)));
    view.show(frame('settling', 2.75, 11));
    const lines = s.text().trimEnd().split('\n');
    expect(lines).toEqual([
      '[  0.0 s chatting] n1 0 msgs 3/3 peers | n2 0 msgs 3/3 peers',
      '[  1.0 s chatting] n1 4 msgs 3/3 peers | n2 4 msgs 3/3 peers',
      '[  2.0 s chatting] n1 8 msgs 3/3 peers | n2 8 msgs 3/3 peers',
      '[  2.8 s settling] n1 11 msgs 3/3 peers | n2 11 msgs 3/3 peers',
    ]);
    expect(s.text()).not.toContain('\x1b');
  });

  it('on a terminal redraws the table in place: back up over the lines it drew', () => {
    const s = sink(true);
    const view = new LiveView(s.out);
    view.show(frame('chatting', 0));
    const first = s.text();
    expect(first).not.toContain('\x1b[4F');
    const lines = first.split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(4); // phase, header, two nodes
    expect(lines[1]).toMatch(/node\s+address\s+peers\s+here\s+msgs\s+τs offset\s+typing\s+path/);
    expect(lines[2]).toContain('n1');
    expect(lines[2]).toContain('−1.3 ms');
    expect(lines[2]).toContain('direct ×3, rtt 0.2–0.4 ms');
    view.show(frame('chatting', 0.25, 2));
    const second = s.text().slice(first.length);
    expect(second.startsWith('\x1b[4F')).toBe(true);
    expect(second.split('\x1b[2K')).toHaveLength(5);
  });

  it('plain on a terminal when asked', () => {
    const s = sink(true);
    new LiveView(s.out, true).show(frame('chatting', 0));
    expect(s.text()).toBe('[  0.0 s chatting] n1 1 msgs 3/3 peers | n2 1 msgs 3/3 peers\n');
  });
});

import { describe, expect, it } from 'vitest';
import type { ConvergenceVerdict } from '../src/convergence.ts';
import { summarise, verdictLine, type RunFacts } from '../src/summary.ts';

const facts: RunFacts = {
  network: 'loopback UDP, real crypto',
  chatS: 10,
  settleS: 0.4,
  durationS: 10,
  interrupted: false,
  reactions: 3,
  statusChanges: 1,
  joinRetries: new Map(),
  present: new Map([
    ['n1', 4],
    ['n2', 4],
    ['n3', 4],
    ['n4', 4],
  ]),
  datagramsOut: 900,
  datagramsIn: 890,
  rejected: { DuplicateFrameError: 2, UnknownSession: 0 },
};
const converged: ConvergenceVerdict = {
  converged: true,
  nodes: 4,
  agreeing: 4,
  messages: 120,
  sent: 120,
  hash: 'ab'.repeat(32),
  divergent: [],
};

describe('the summary', () => {
  it('converged: the count of nodes and messages, exit code 0', () => {
    const { lines, exitCode } = summarise(converged, facts);
    expect(exitCode).toBe(0);
    expect(lines.at(-1)).toBe(
      'converged: 4/4 nodes, 120 messages, identical order (log hash abababababab)',
    );
    expect(lines).toContain('presence: every node sees all 4 members here');
    expect(lines).toContain(
      'traffic: 900 datagrams sent, 890 received, 2 refused (DuplicateFrameError 2)',
    );
  });

  it('diverged: names each node and what differs, exit code 1', () => {
    const v: ConvergenceVerdict = {
      ...converged,
      converged: false,
      agreeing: 3,
      divergent: [
        { node: 'n3', hash: 'cd'.repeat(32), missing: 2, extra: 0, orderDiffers: true, changed: 1 },
      ],
    };
    const { lines, exitCode } = summarise(v, {
      ...facts,
      present: new Map([...facts.present, ['n3', 3]]),
    });
    expect(exitCode).toBe(1);
    expect(verdictLine(v)).toBe(
      'diverged: n3 misses 2 messages, shows 1 otherwise, order differs (log hash cdcdcdcdcdcd); ' +
        '3/4 nodes hold the reference log of 120 messages (120 sent, log hash abababababab)',
    );
    expect(lines).toContain('presence: n3 sees 3/4');
  });

  it('interrupted: the chat line and the verdict say so, exit code 130', () => {
    const { lines, exitCode } = summarise(converged, {
      ...facts,
      chatS: 4.25,
      durationS: 30,
      settleS: 0,
      interrupted: true,
    });
    expect(exitCode).toBe(130);
    expect(lines).toContain(
      'chat: interrupted after 4.3 s of 30 s, not settled; 120 messages, 3 reactions, 1 status change sent',
    );
    expect(lines.at(-1)).toBe(`interrupted: ${verdictLine(converged)}`);
  });
});

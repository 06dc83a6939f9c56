import { STATISTICAL_SEEDS } from '@elara/testkit';
import { describe, expect, it } from 'vitest';
import { checkConvergence, type NodeLog } from '../src/convergence.ts';
import { DEMO_DEFAULTS, parseDemoArgs, type DemoOptions } from '../src/demo-args.ts';
import { simNetwork } from '../src/demo-network.ts';
import { runDemo, type DemoHooks, type DemoResult } from '../src/demo-run.ts';
import type { Member } from '../src/demo-session.ts';
import { summarise, verdictLine } from '../src/summary.ts';

/** The demo on SimNetwork in unpaced virtual time, as `npm run demo -- <argv>` would run it. */
async function simRun(
  argv: string[],
  hooks: DemoHooks = {},
  settleLimitS?: number,
  signal?: AbortSignal,
): Promise<DemoResult> {
  const options: DemoOptions = parseDemoArgs(argv);
  if (options.sim === undefined) throw new Error('not a simulated run');
  const network = simNetwork(options.sim, { paced: false });
  try {
    return await runDemo(options, network, hooks, {
      ...(settleLimitS === undefined ? {} : { settleLimitS }),
      ...(signal === undefined ? {} : { signal }),
    });
  } finally {
    await network.close();
  }
}

const nodes = String(DEMO_DEFAULTS.nodes);

describe('the demo on a simulated network', () => {
  it('converges through 10 % loss and 100 ms jitter on ten seeds, everyone present', async () => {
    for (const seed of STATISTICAL_SEEDS) {
      const { verdict, facts } = await simRun([
        ...['--nodes', nodes, '--loss', '10', '--jitter', '100', '--duration', '5'],
        ...['--seed', String(seed)],
      ]);
      expect(verdict.divergent, `seed ${seed}`).toEqual([]);
      expect(verdict.converged).toBe(true);
      expect(verdict.nodes).toBe(DEMO_DEFAULTS.nodes);
      expect(verdict.sent).toBeGreaterThan(0);
      expect(verdict.messages).toBe(verdict.sent);
      expect([...facts.present.values()]).toEqual(
        Array(DEMO_DEFAULTS.nodes).fill(DEMO_DEFAULTS.nodes),
      );
      // Losses happened and were repaired: the network dropped datagrams the nodes had sent.
      expect(facts.datagramsIn).toBeLessThan(facts.datagramsOut);
      expect(summarise(verdict, facts).exitCode).toBe(0);
    }
  });

  it('replays exactly from its seed', async () => {
    const argv = [
      '--nodes',
      nodes,
      '--loss',
      '5',
      '--jitter',
      '30',
      '--duration',
      '3',
      '--seed',
      '42',
    ];
    const a = await simRun(argv);
    const b = await simRun(argv);
    expect(b.verdict.hash).toBe(a.verdict.hash);
    expect(b.facts.datagramsOut).toBe(a.facts.datagramsOut);
    const c = await simRun([...argv.slice(0, -1), '43']);
    expect(c.verdict.hash).not.toBe(a.verdict.hash);
  });

  it('a rate above one message a step is kept: several messages a step', async () => {
    // 60 a second is three a 50 ms step: each node sends three every step after the first.
    const { verdict } = await simRun(['--nodes', '3', '--sim', '--rate', '60', '--duration', '1']);
    expect(verdict.converged).toBe(true);
    expect(verdict.sent).toBe(3 * 3 * 19);
  });

  it('an interrupted run stops the chat, skips settling and stops every node', async () => {
    const controller = new AbortController();
    let members: readonly Member[] = [];
    const { facts } = await simRun(
      ['--nodes', nodes, '--sim', '--duration', '30'],
      {
        formed: (m) => void (members = m),
        frame: (f) => {
          if (f.elapsedS >= 2) controller.abort();
        },
      },
      undefined,
      controller.signal,
    );
    expect(facts.interrupted).toBe(true);
    expect(facts.chatS).toBeGreaterThanOrEqual(2);
    expect(facts.chatS).toBeLessThan(2.5);
    expect(facts.settleS).toBe(0);
    expect(members.map((m) => m.node.status)).toEqual(Array(DEMO_DEFAULTS.nodes).fill('stopped'));
  });

  it('a node that hears nothing from the others is named as diverged, exit code 1', async () => {
    let victim = '';
    const { verdict, facts } = await simRun(
      ['--nodes', nodes, '--sim', '--duration', '3', '--seed', '5'],
      {
        formed(members, network) {
          const last = members.at(-1);
          if (last === undefined || network.sim === undefined) throw new Error('no sim');
          victim = last.name;
          // Every datagram towards the victim is lost from now on; it still sends.
          for (const m of members.slice(0, -1))
            network.sim.setLink(m.node.localAddress, last.node.localAddress, {
              latencyUs: 20_000,
              loss: { model: 'random', p: 1 },
            });
        },
      },
      3,
    );
    expect(verdict.converged).toBe(false);
    expect(verdict.divergent.map((d) => d.node)).toEqual([victim]);
    expect(verdict.divergent[0]?.missing).toBeGreaterThan(0);
    expect(verdict.agreeing).toBe(DEMO_DEFAULTS.nodes - 1);
    const { lines, exitCode } = summarise(verdict, facts);
    expect(exitCode).toBe(1);
    expect(lines.at(-1)).toMatch(new RegExp(`^diverged: ${victim} misses \\d+ messages?`));
  });

  it('a log tampered after a real run is caught: a message dropped, two swapped', async () => {
    const { logs, verdict } = await simRun([
      '--nodes',
      nodes,
      '--sim',
      '--duration',
      '2',
      '--seed',
      '9',
    ]);
    expect(verdict.converged).toBe(true);
    expect(verdict.sent).toBeGreaterThan(2);
    const sent = new Set(logs[0]?.entries.map((e) => e.id));
    const tampered = (i: number, edit: (l: NodeLog) => NodeLog): NodeLog[] =>
      logs.map((l, k) => (k === i ? edit(l) : l));
    const last = logs.length - 1;
    const dropped = checkConvergence(
      tampered(last, (l) => ({ ...l, entries: l.entries.slice(1) })),
      sent,
    );
    expect(dropped.divergent).toEqual([
      expect.objectContaining({ node: `n${last + 1}`, missing: 1, orderDiffers: false }),
    ]);
    const swapped = checkConvergence(
      tampered(last, (l) => ({
        ...l,
        entries: [l.entries[1], l.entries[0], ...l.entries.slice(2)] as NodeLog['entries'],
      })),
      sent,
    );
    expect(swapped.divergent).toEqual([
      expect.objectContaining({ node: `n${last + 1}`, missing: 0, orderDiffers: true }),
    ]);
    expect(verdictLine(swapped)).toMatch(new RegExp(`^diverged: n${last + 1} order differs`));
  });
});

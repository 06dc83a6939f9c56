import { Prng } from '@elara/core/sim';
import type { NodeConfig } from '@elara/runtime';
import { Chatter } from './chatter.ts';
import { checkConvergence, chatLog, type ConvergenceVerdict, type NodeLog } from './convergence.ts';
import type { DemoOptions } from './demo-args.ts';
import type { DemoNetwork } from './demo-network.ts';
import { formSession, memberNames, type Member } from './demo-session.ts';
import type { Phase, ViewFrame } from './live-view.ts';
import { nodeRow } from './node-row.ts';
import type { RunFacts } from './summary.ts';

/** Ways in: a view of each frame, and a fault injected once the session is formed (tests). */
export interface DemoHooks {
  /** Receives a frame every quarter second of the network's time. */
  readonly frame?: (frame: ViewFrame) => void;
  /** Runs once every member has joined, before the chat. */
  readonly formed?: (members: readonly Member[], network: DemoNetwork) => void;
}

/** Everything the run found: the verdict, the facts the summary shows, each node's log. */
export interface DemoResult {
  readonly verdict: ConvergenceVerdict;
  readonly facts: RunFacts;
  readonly logs: readonly NodeLog[];
}

/** Settings of {@link runDemo} beyond the command line. */
export interface DemoRunSettings {
  /** Longest wait for the logs to agree after the chat, seconds. Default 20. */
  readonly settleLimitS?: number;
  /** Node configuration shared by every member. */
  readonly config?: NodeConfig;
  /**
   * Aborted to interrupt the run (Ctrl-C): the chat stops, settling is skipped, and the logs
   * are compared as they are (`facts.interrupted`); while the session forms, the run rejects
   * with a `DemoInterruptedError`.
   */
  readonly signal?: AbortSignal;
}

const STEP_US = 50_000;
const FRAME_US = 250_000;

/**
 * The demo: `options.nodes` nodes on `network` form one session, chat for `options.durationS`
 * (messages, typing, reactions, presence), then run on until every log agrees and everyone is
 * present (at most `settleLimitS`); then every node's ordered log is compared. The nodes are
 * stopped before it returns, whatever happens. `settings.signal` interrupts it.
 */
export async function runDemo(
  options: DemoOptions,
  network: DemoNetwork,
  hooks: DemoHooks = {},
  settings: DemoRunSettings = {},
): Promise<DemoResult> {
  const frameOf = (phase: Phase, elapsedUs: number, members: readonly Member[]): ViewFrame => {
    const names = memberNames(members);
    return {
      phase,
      elapsedS: elapsedUs / 1e6,
      durationS: options.durationS,
      rows: members.map((m) => nodeRow(m, names)),
    };
  };
  hooks.frame?.({ phase: 'forming', elapsedS: 0, durationS: options.durationS, rows: [] });
  const { signal } = settings;
  const interrupted = (): boolean => signal?.aborted === true;
  const members = await formSession(network, options.nodes, settings.config, signal);
  try {
    hooks.formed?.(members, network);
    const seed = options.sim?.seed ?? Math.floor(Math.random() * 0x1_0000_0000);
    const chatter = new Chatter(members, options.rate, new Prng(seed).fork('chat'));
    const start = network.now();
    const chatUs = options.durationS * 1e6;
    let nextFrame = 0;
    let chatted = 0;
    for (; chatted < chatUs && !interrupted(); chatted += STEP_US) {
      const t = chatted;
      if (t >= nextFrame) {
        hooks.frame?.(frameOf('chatting', t, members));
        nextFrame += FRAME_US;
      }
      chatter.step(STEP_US);
      // To absolute times: on real time the steps' own work must not stretch the run.
      await network.wait(Math.max(0, start + t + STEP_US - network.now()));
    }
    chatter.finish();

    const settled = (): boolean =>
      checkConvergence(members.map(chatLog), chatter.sent).converged &&
      members.every((m) => m.session.presence().present().length === members.length);
    const settleStart = network.now();
    const settleLimitUs = (settings.settleLimitS ?? 20) * 1e6;
    while (!interrupted() && !settled() && network.now() - settleStart < settleLimitUs) {
      const t = network.now() - start;
      if (t >= nextFrame) {
        hooks.frame?.(frameOf('settling', t, members));
        nextFrame += FRAME_US;
      }
      await network.wait(STEP_US);
    }
    hooks.frame?.(
      frameOf(interrupted() ? 'interrupted' : 'settling', network.now() - start, members),
    );

    const logs = members.map(chatLog);
    const counters = members.map((m) => m.node.counters());
    const rejected: Record<string, number> = {};
    for (const c of counters)
      for (const [name, n] of Object.entries(c.rejected))
        rejected[name] = (rejected[name] ?? 0) + n;
    return {
      verdict: checkConvergence(logs, chatter.sent),
      logs,
      facts: {
        network: network.description,
        chatS: Math.min(chatted, chatUs) / 1e6,
        durationS: options.durationS,
        interrupted: interrupted(),
        settleS: (network.now() - settleStart) / 1e6,
        reactions: chatter.reactions,
        statusChanges: chatter.statusChanges,
        joinRetries: new Map(
          members.filter((m) => m.joinAttempts > 1).map((m) => [m.name, m.joinAttempts]),
        ),
        present: new Map(members.map((m) => [m.name, m.session.presence().present().length])),
        datagramsOut: counters.reduce((sum, c) => sum + c.datagramsOut, 0),
        datagramsIn: counters.reduce((sum, c) => sum + c.datagramsIn, 0),
        rejected,
      },
    };
  } finally {
    await Promise.all(members.map((m) => m.node.stop()));
  }
}

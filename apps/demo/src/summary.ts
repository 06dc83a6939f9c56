import type { ConvergenceVerdict, Divergence } from './convergence.ts';
import { INTERRUPTED_EXIT_CODE } from './demo-interrupt.ts';

/** What the summary reports besides the verdict. */
export interface RunFacts {
  /** The network, in words. */
  readonly network: string;
  /** Seconds of chat, and of settling after it (the network's time). */
  readonly chatS: number;
  readonly settleS: number;
  /** Seconds of chat asked for (`--duration`). */
  readonly durationS: number;
  /** Ctrl-C stopped the run: the logs were compared without settling. */
  readonly interrupted: boolean;
  /** Reactions and presence status changes written during the chat. */
  readonly reactions: number;
  readonly statusChanges: number;
  /** How many members each node saw present at the end, by name. */
  readonly present: ReadonlyMap<string, number>;
  /** Members whose join took more than one handshake, with the count. */
  readonly joinRetries: ReadonlyMap<string, number>;
  /** Datagrams sent and received, over all nodes. */
  readonly datagramsOut: number;
  readonly datagramsIn: number;
  /** Inputs the nodes refused, by name, over all nodes. */
  readonly rejected: Readonly<Record<string, number>>;
}

const short = (hash: string): string => hash.slice(0, 12);
const count = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

function what(d: Divergence): string {
  const parts: string[] = [];
  if (d.missing > 0) parts.push(`misses ${count(d.missing, 'message')}`);
  if (d.extra > 0) parts.push(`holds ${count(d.extra, 'message')} nobody sent`);
  if (d.changed > 0) parts.push(`shows ${d.changed} otherwise`);
  if (d.orderDiffers) parts.push('order differs');
  return `${d.node} ${parts.length > 0 ? parts.join(', ') : 'differs'} (log hash ${short(d.hash)})`;
}

function refused(rejected: Readonly<Record<string, number>>): string {
  const named = Object.entries(rejected).filter(([, n]) => n > 0);
  const total = named.reduce((sum, [, n]) => sum + n, 0);
  if (total === 0) return 'none refused';
  return `${total} refused (${named.map(([name, n]) => `${name} ${n}`).join(', ')})`;
}

/** The verdict line: `converged: 4/4 nodes, …` or `diverged: n3 misses 2 messages …`. */
export function verdictLine(v: ConvergenceVerdict): string {
  if (v.converged)
    return `converged: ${v.nodes}/${v.nodes} nodes, ${v.messages} messages, identical order (log hash ${short(v.hash)})`;
  return (
    `diverged: ${v.divergent.map(what).join('; ')}; ` +
    `${v.agreeing}/${v.nodes} nodes hold the reference log of ${v.messages} messages ` +
    `(${v.sent} sent, log hash ${short(v.hash)})`
  );
}

/**
 * The summary printed at the end, and the process's exit code: 0 converged, 1 diverged, 130
 * interrupted (the verdict then says `interrupted:` and compares the logs as they were).
 */
export function summarise(
  v: ConvergenceVerdict,
  facts: RunFacts,
): { lines: string[]; exitCode: number } {
  const members = v.nodes;
  const partial = [...facts.present].filter(([, n]) => n !== members);
  const retried = [...facts.joinRetries].map(([name, n]) => `${name} joined on try ${n}`);
  return {
    lines: [
      '',
      `network: ${facts.network}`,
      ...(retried.length > 0
        ? [`joins: ${retried.join(', ')} (HandshakeTimeoutError before)`]
        : []),
      (facts.interrupted
        ? `chat: interrupted after ${facts.chatS.toFixed(1)} s of ${facts.durationS} s, not settled; `
        : `chat: ${facts.chatS} s, then ${facts.settleS.toFixed(1)} s to settle; `) +
        `${count(v.sent, 'message')}, ${count(facts.reactions, 'reaction')}, ` +
        `${count(facts.statusChanges, 'status change')} sent`,
      `traffic: ${count(facts.datagramsOut, 'datagram')} sent, ${facts.datagramsIn} received, ` +
        refused(facts.rejected),
      partial.length === 0
        ? `presence: every node sees all ${members} members here`
        : `presence: ${partial.map(([name, n]) => `${name} sees ${n}/${members}`).join(', ')}`,
      facts.interrupted ? `interrupted: ${verdictLine(v)}` : verdictLine(v),
    ],
    exitCode: facts.interrupted ? INTERRUPTED_EXIT_CODE : v.converged ? 0 : 1,
  };
}

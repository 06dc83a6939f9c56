import { createHash } from 'node:crypto';
import { CHAT } from './chatter.ts';
import type { Member } from './demo-session.ts';

/** One message of a node's ordered chat log, in canonical form. */
export interface LogEntry {
  /** The message id (decimal). */
  readonly id: string;
  /** Everything a reader sees of it: id, author, τs stamp, content, flags, reactions. */
  readonly line: string;
}

/** A node's chat log, in its stream's order. */
export interface NodeLog {
  readonly name: string;
  readonly entries: readonly LogEntry[];
}

/** How one node's log differs from what every node should hold. */
export interface Divergence {
  readonly node: string;
  /** Its log hash (hex). */
  readonly hash: string;
  /** Sent messages its log lacks. */
  readonly missing: number;
  /** Messages in its log that nobody sent. */
  readonly extra: number;
  /** The messages it shares with the reference log stand in another order. */
  readonly orderDiffers: boolean;
  /** Messages it shares with the reference log but shows otherwise (content, reactions…). */
  readonly changed: number;
}

/** The outcome of comparing every node's log. */
export interface ConvergenceVerdict {
  /** Every node holds the same log, and it holds exactly the messages sent. */
  readonly converged: boolean;
  readonly nodes: number;
  /** Nodes whose log is the reference log. */
  readonly agreeing: number;
  /** Messages in the reference log. */
  readonly messages: number;
  /** Messages sent during the run. */
  readonly sent: number;
  /** The reference log's hash (hex): held by the most nodes, complete logs first. */
  readonly hash: string;
  /** Nodes whose log is not the reference log or misses sent messages, in node order. */
  readonly divergent: readonly Divergence[];
}

/** SHA-256 (hex) of a log's canonical lines in order: equal hashes mean identical logs. */
export function logHash(entries: readonly LogEntry[]): string {
  const h = createHash('sha256');
  for (const e of entries) h.update(`${e.line}\n`);
  return h.digest('hex');
}

/** Member `m`'s chat log now, in its stream's order. */
export function chatLog(m: Member): NodeLog {
  return {
    name: m.name,
    entries: m.session
      .text(CHAT)
      .messages()
      .map((msg) => {
        const reactions = msg.reactions.map((r) => `${r.reaction}:${r.authors.join(',')}`);
        const flags = `${msg.edited ? 'e' : ''}${msg.deleted ? 'd' : ''}`;
        return {
          id: String(msg.id),
          line: [msg.id, msg.author, msg.time, flags, JSON.stringify(msg.content), reactions].join(
            '|',
          ),
        };
      }),
  };
}

function diverges(log: NodeLog, hash: string, reference: NodeLog, sent: ReadonlySet<string>) {
  const own = new Map(log.entries.map((e) => [e.id, e.line]));
  const ref = new Map(reference.entries.map((e) => [e.id, e.line]));
  const ownShared = log.entries.filter((e) => ref.has(e.id)).map((e) => e.id);
  const refShared = reference.entries.filter((e) => own.has(e.id)).map((e) => e.id);
  return {
    node: log.name,
    hash,
    missing: [...sent].filter((id) => !own.has(id)).length,
    extra: log.entries.filter((e) => !sent.has(e.id)).length,
    orderDiffers: ownShared.some((id, i) => id !== refShared[i]),
    changed: ownShared.filter((id) => own.get(id) !== ref.get(id)).length,
  };
}

/**
 * Compares the nodes' logs. The reference is the log held by the most nodes among those holding
 * exactly the messages sent (if none does, among all; a tie goes to the earlier node). A node
 * diverges when its log is not the reference, or misses or adds messages: each is named with
 * what differs.
 */
export function checkConvergence(
  logs: readonly NodeLog[],
  sent: ReadonlySet<string>,
): ConvergenceVerdict {
  const hashes = logs.map((l) => logHash(l.entries));
  const complete = (l: NodeLog): boolean =>
    l.entries.length === sent.size && l.entries.every((e) => sent.has(e.id));
  let best = -1;
  let bestScore = -1;
  for (const [i, l] of logs.entries()) {
    const score = hashes.filter((h) => h === hashes[i]).length + (complete(l) ? logs.length : 0);
    if (score > bestScore) [best, bestScore] = [i, score];
  }
  const reference = logs[best];
  const hash = hashes[best];
  if (reference === undefined || hash === undefined)
    return {
      converged: false,
      nodes: 0,
      agreeing: 0,
      messages: 0,
      sent: sent.size,
      hash: '',
      divergent: [],
    };
  const divergent = logs
    .map((l, i) => diverges(l, hashes[i] as string, reference, sent))
    .filter((d) => d.hash !== hash || d.missing > 0 || d.extra > 0);
  return {
    converged: divergent.length === 0,
    nodes: logs.length,
    agreeing: hashes.filter((h) => h === hash).length,
    messages: reference.entries.length,
    sent: sent.size,
    hash,
    divergent,
  };
}

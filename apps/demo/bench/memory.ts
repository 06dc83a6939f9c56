// Memory held by idle session members: nodes in sessions, joined, doing nothing but their
// heartbeats, with collections forced before each reading; and the datagrams they send idle.
import { Node } from '@elara/runtime';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/**
 * Bytes held after forced collections: the JS heap and the ArrayBuffers outside it (packet
 * buffers, keys, socket buffers Node.js allocates), which the heap figure alone misses.
 */
function bytesAfterGc(): number {
  for (let i = 0; i < 3; i++) gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/**
 * Idle seconds after the joins at which memory is read, up to `maxS`: at 2.5 s, then every
 * 15 s. Reading stops early once two successive readings agree.
 */
export function idleReadingsS(maxS: number): number[] {
  const times = [2.5];
  for (let t = 15; t <= maxS; t += 15) times.push(t);
  return times;
}
/** Two readings this close (relative) count as settled. */
const AGREE = 0.05;

/** Memory per member at one idle time, bytes (heap + ArrayBuffers). */
export interface MemoryReading {
  /** Seconds idle after the last join. */
  readonly idleS: number;
  /** With its node (socket, identity, tables) and its session. */
  readonly perMemberWithNode: number;
  /** The session alone: what joining added to nodes already made. */
  readonly perMemberSessionOnly: number;
}

/** What idle members of sessions of one size hold and send. */
export interface MemberMemory {
  readonly size: number;
  readonly members: number;
  /** At each idle time read, in order. */
  readonly readings: readonly MemoryReading[];
  /** The last two readings agree within 5 %. */
  readonly settled: boolean;
  /** Datagrams each member sent per second while idle, on average. */
  readonly idleDatagramsPerS: number;
  /** Datagrams each session's founder sent per second while idle, on average. */
  readonly founderIdleDatagramsPerS: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * `sessions` sessions of `size` members each on loopback (each member its own node). Memory is
 * read before the nodes, after the nodes, and after the sessions formed at each of
 * {@link idleReadingsS}(`maxIdleS`) until two successive readings agree within 5 %; datagrams
 * sent are counted over the same idle time.
 */
export async function idleMemberMemory(
  sessions: number,
  size: number,
  maxIdleS: number,
): Promise<MemberMemory> {
  const members = sessions * size;
  const before = bytesAfterGc();
  const nodes: Node[] = [];
  for (let i = 0; i < members; i++) nodes.push(await Node.create());
  const withNodes = bytesAfterGc();
  const founders = nodes.filter((_, i) => i % size === 0);
  const sentBy = (ns: readonly Node[]): number =>
    ns.reduce((sum, n) => sum + n.counters().datagramsOut, 0);
  try {
    for (let s = 0; s < sessions; s++) {
      const [founder, ...others] = nodes.slice(s * size, (s + 1) * size) as [Node, ...Node[]];
      const room = await founder.createSession();
      for (const node of others) await node.joinSession(room.invite());
    }
    const idleFrom = performance.now();
    const [allFrom, foundersFrom] = [sentBy(nodes), sentBy(founders)];
    const readings: MemoryReading[] = [];
    let settled = false;
    for (const idleS of idleReadingsS(maxIdleS)) {
      await sleep(Math.max(0, idleFrom + idleS * 1000 - performance.now()));
      const now = bytesAfterGc();
      readings.push({
        idleS,
        perMemberWithNode: (now - before) / members,
        perMemberSessionOnly: (now - withNodes) / members,
      });
      const [a, b] = readings.slice(-2).map((r) => r.perMemberWithNode);
      settled =
        readings.length > 1 && Math.abs((b as number) - (a as number)) <= AGREE * (a as number);
      if (settled) break;
    }
    const idleS = (performance.now() - idleFrom) / 1000;
    return {
      size,
      members,
      readings,
      settled,
      idleDatagramsPerS: (sentBy(nodes) - allFrom) / members / idleS,
      founderIdleDatagramsPerS: (sentBy(founders) - foundersFrom) / founders.length / idleS,
    };
  } finally {
    await Promise.all(nodes.map((n) => n.stop()));
  }
}

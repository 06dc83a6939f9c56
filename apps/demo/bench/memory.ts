// Heap held by idle session members: nodes in sessions, joined, doing nothing but their
// heartbeats, with collections forced before each reading.
import { Node } from '@elara/runtime';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapAfterGc(): number {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
}

/** Heap per member, bytes: with its node (socket, identity, tables), and for the session alone. */
export interface MemberMemory {
  readonly members: number;
  readonly perMemberWithNode: number;
  readonly perMemberSessionOnly: number;
}

/**
 * `sessions` sessions of `size` members each on loopback (each member its own node); heap
 * before the nodes, after the nodes, and after the sessions formed and idled `idleMs`.
 */
export async function idleMemberMemory(
  sessions: number,
  size: number,
  idleMs: number,
): Promise<MemberMemory> {
  const members = sessions * size;
  const before = heapAfterGc();
  const nodes: Node[] = [];
  for (let i = 0; i < members; i++) nodes.push(await Node.create());
  const withNodes = heapAfterGc();
  try {
    for (let s = 0; s < sessions; s++) {
      const [founder, ...others] = nodes.slice(s * size, (s + 1) * size) as [Node, ...Node[]];
      const room = await founder.createSession();
      for (const node of others) await node.joinSession(room.invite());
    }
    await new Promise((resolve) => setTimeout(resolve, idleMs));
    const after = heapAfterGc();
    return {
      members,
      perMemberWithNode: (after - before) / members,
      perMemberSessionOnly: (after - withNodes) / members,
    };
  } finally {
    await Promise.all(nodes.map((n) => n.stop()));
  }
}

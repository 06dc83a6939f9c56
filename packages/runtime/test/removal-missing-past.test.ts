import {
  type DurableEnvelope,
  EventKind,
  EventType,
  type NodeId,
  PacketClass,
  RepresentationProfile,
  type UnsignedDurableEnvelope,
  decodeEnvelope,
  eventSigningBytes,
  packEventBatches,
} from '@elara/core';
import { type Identity, eventSigner } from '@elara/crypto';
import { encodeMembershipEntry } from '@elara/state';
import { STATISTICAL_SEEDS } from '@elara/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { type Node, type NodeConfig, RemovedFromSessionError, type Session } from '../src/index.ts';
import type { PeerLink } from '../src/peer-link.ts';
import type { SessionCore } from '../src/internal/session-core.ts';
import type { SessionHost } from '../src/internal/session-host.ts';
import { sessionGroup, simNodes, type SimNodes } from './sim-nodes.ts';

let sim: SimNodes;
afterEach(async () => {
  await sim.close();
});

const short: NodeConfig = { heartbeatIntervalUs: 500_000, peerTimeoutUs: 2_000_000 };
const advance = (us: number): Promise<void> => sim.world.scheduler.advanceBy(us);

/** A session's internals, for sealing hand-made events on a genuine channel. */
interface Internals {
  readonly replica: SessionCore['replica'];
  readonly links: Map<NodeId, PeerLink>;
  readonly host: SessionHost;
}
const inside = (s: Session): Internals => (s as unknown as { core: Internals }).core;

async function trio(seed: number): Promise<{
  founder: Node;
  bob: Node;
  mallory: Node;
  room: Session;
  bobs: Session;
  lost: Session;
}> {
  sim = simNodes(seed, { latencyUs: 10_000 });
  const { nodes, sessions } = await sessionGroup(sim, [short, short, short]);
  const [founder, bob, mallory] = nodes as [Node, Node, Node];
  const [room, bobs, lost] = sessions as [Session, Session, Session];
  return { founder, bob, mallory, room, bobs, lost };
}

describe('a removed member that missed more than its farewells carry', () => {
  describe.each([5, 20, 40])('%i events each missed by the removed member', (n) => {
    it.each(STATISTICAL_SEEDS)('is told, by the signed removal alone (seed %i)', async (seed) => {
      const { founder, mallory, room, bobs, lost, bob } = await trio(seed);
      sim.net.partition([founder.localAddress, bob.localAddress], [mallory.localAddress]);
      for (let i = 0; i < n; i++) {
        bobs.text('general').send(`b${i} ${'x'.repeat(200)}`);
        await advance(5_000);
        room.text('general').send(`f${i}`);
      }
      await advance(300_000);
      sim.net.heal();
      room.remove(mallory.nodeId);
      await sim.world.scheduler.runUntil(() => lost.end !== undefined, 20_000_000);
      const end = lost.end;
      expect(end?.reason).toBe('removed');
      const error = end?.reason === 'removed' ? end.error : undefined;
      expect(RemovedFromSessionError.isInstance(error)).toBe(true);
      expect(error?.removedBy).toBe(founder.nodeId);
    });
  });
});

describe('a removal whose past is missing ends nothing unless authentic and authorised', () => {
  /**
   * Seals, on Bob's genuine channel to Mallory, a removal of Mallory authored by `author`, far
   * ahead of its author's seqs (so its past is missing), signed with `signer`'s key.
   */
  function sendRemoval(
    bobs: Session,
    mallory: Node,
    author: NodeId,
    signer: Identity,
    lost: Session,
  ): void {
    const b = inside(bobs);
    const m = inside(lost);
    const self = m.replica.membership.member(mallory.nodeId);
    const addedBy = self?.addedBy;
    if (addedBy === undefined) throw new Error('mallory was not added');
    const add = decodeEnvelope(m.replica.store.get(addedBy.author, addedBy.seq) as Uint8Array);
    const entry = { op: 'remove' as const, member: mallory.nodeId };
    const unsigned: UnsignedDurableEnvelope = {
      kind: EventKind.Durable,
      author,
      seq: 1_000,
      time: add.time + 1_000_000,
      target: m.replica.membership.atom,
      eventType: EventType.SessionLeave,
      dependencies: [],
      mutation: { type: 'append', data: encodeMembershipEntry(entry) },
    };
    const session = b.replica.field.session;
    const envelope: DurableEnvelope = {
      ...unsigned,
      signature: eventSigner(signer)(eventSigningBytes(session, unsigned)),
    };
    const link = b.links.get(mallory.nodeId) as PeerLink;
    const now = sim.world.scheduler.now();
    for (const payload of packEventBatches([envelope], b.host.sender.payloadBudget)) {
      b.host.sender.send(link, payload, PacketClass.Core, RepresentationProfile.Textual, now);
    }
  }

  it.each(STATISTICAL_SEEDS)(
    'forged (bad signature) or signed by a plain member: nothing; the owner’s own: removed (seed %i)',
    async (seed) => {
      const { founder, bob, mallory, bobs, lost, room } = await trio(seed);
      const founderId = inside(room).host.identity;
      const bobId = inside(bobs).host.identity;
      // Claims the founder's authority, signed with Bob's key.
      sendRemoval(bobs, mallory, founder.nodeId, bobId, lost);
      // Bob's own, validly signed: a member may remove only itself.
      sendRemoval(bobs, mallory, bob.nodeId, bobId, lost);
      await advance(5_000_000);
      expect(lost.end).toBeUndefined();
      expect(lost.participants.get(founder.nodeId)?.connected).toBe(true);
      // The same, signed by the founder (an owner): the session ends as removed.
      sendRemoval(bobs, mallory, founder.nodeId, founderId, lost);
      await sim.world.scheduler.runUntil(() => lost.end !== undefined, 5_000_000);
      const end = lost.end;
      expect(end?.reason).toBe('removed');
      expect(end?.reason === 'removed' ? end.error.removedBy : undefined).toBe(founder.nodeId);
    },
  );
});

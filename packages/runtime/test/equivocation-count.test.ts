import {
  type DurableEnvelope,
  type EventId,
  EventKind,
  EventType,
  PayloadKind,
  decodeEventBatch,
  encodeEventBatch,
  messageIdFromEvent,
  signEnvelope,
} from '@elara/core';
import { eventSigner } from '@elara/crypto';
import { StreamKind, encodeTextMessage, streamAtomId } from '@elara/streams';
import { afterEach, describe, expect, it } from 'vitest';
import type { Node } from '../src/index.ts';
import { nodeWithPuppet, type NodeWithPuppet, type PuppetPeer } from './puppet-peer.ts';
import { contents } from './session-views.ts';
import { simNodes, type SimNodes } from './sim-nodes.ts';

let sim: SimNodes;
afterEach(async () => {
  await sim.close();
});

const advance = (us: number): Promise<void> => sim.world.scheduler.advanceBy(us);

interface Setup extends NodeWithPuppet {
  /** A text message of the puppet's, `content` at `seq`, validly signed by the puppet. */
  readonly message: (seq: number, content: string) => DurableEnvelope;
  /** The versions of seqs 1 to 3 the puppet sent first. */
  readonly first: readonly DurableEnvelope[];
}

/** Alice's session with a member the test drives, which has sent "one", "two", "three". */
async function setup(seed: number): Promise<Setup> {
  sim = simNodes(seed, { latencyUs: 5_000 });
  const { alice, room, puppet } = await nodeWithPuppet(sim);
  const author = puppet.identity.nodeId;
  // Its events follow Alice's latest (its admission): a member's events must have it in their past.
  const heads = aliceHeads(puppet, alice);
  const sign = eventSigner(puppet.identity);
  const message = (seq: number, content: string): DurableEnvelope => {
    const time = sim.world.scheduler.now();
    return signEnvelope(
      room.sessionId,
      {
        kind: EventKind.Durable,
        author,
        seq,
        time,
        target: streamAtomId(StreamKind.Text, 'general'),
        eventType: EventType.TextAppend,
        dependencies: seq === 1 ? heads : [],
        mutation: {
          type: 'append',
          data: encodeTextMessage({
            id: messageIdFromEvent(author, BigInt(seq)),
            author,
            timestamp: time,
            replyTo: undefined,
            editOf: undefined,
            deleted: false,
            reaction: false,
            content: new TextEncoder().encode(content),
          }),
        },
      },
      sign,
    );
  };
  const first = [message(1, 'one'), message(2, 'two'), message(3, 'three')];
  puppet.send(encodeEventBatch(first));
  await advance(100_000);
  expect(contents(room)).toEqual(['one', 'two', 'three']);
  expect(alice.counters().equivocations).toBe(0);
  return { alice, room, puppet, message, first };
}

/** Alice's latest durable event the puppet received, as a dependency. */
function aliceHeads(puppet: PuppetPeer, alice: Node): EventId[] {
  const seqs = puppet.received
    .filter((b) => b[0] === PayloadKind.Events)
    .flatMap((b) => decodeEventBatch(b))
    .filter((e) => e.kind === EventKind.Durable && e.author === alice.nodeId)
    .map((e) => (e as DurableEnvelope).seq);
  expect(seqs.length).toBeGreaterThan(0);
  return [{ author: alice.nodeId, seq: Math.max(...seqs) }];
}

describe('equivocation counted by the node', () => {
  it('a second signed version of an older seq, after newer ones were processed, counts once and the first stays', async () => {
    const { alice, room, puppet, message } = await setup(301);
    const second = encodeEventBatch([message(1, 'uno')]);
    puppet.send(second);
    await advance(100_000);
    expect(alice.counters().equivocations).toBe(1);
    expect(contents(room)).toEqual(['one', 'two', 'three']);
    // The same second version again: already reported for (author, 1).
    puppet.send(second);
    await advance(100_000);
    expect(alice.counters().equivocations).toBe(1);
    expect(contents(room)).toEqual(['one', 'two', 'three']);
    // Another version of another older seq is a new equivocation.
    puppet.send(encodeEventBatch([message(2, 'dos')]));
    await advance(100_000);
    expect(alice.counters().equivocations).toBe(2);
    expect(contents(room)).toEqual(['one', 'two', 'three']);
  });

  it('a second version of the latest seq is counted once (field and store never both report it)', async () => {
    const { alice, room, puppet, message } = await setup(302);
    puppet.send(encodeEventBatch([message(3, 'tres')]));
    await advance(100_000);
    expect(alice.counters().equivocations).toBe(1);
    expect(contents(room)).toEqual(['one', 'two', 'three']);
  });

  it('a second version of a seq waiting in quarantine is counted once, and the first is applied', async () => {
    const { alice, room, puppet, message } = await setup(304);
    const five = message(5, 'five');
    puppet.send(encodeEventBatch([five]));
    await advance(20_000);
    expect(alice.counters().quarantine.events).toBe(1);
    const cinco = encodeEventBatch([message(5, 'cinco')]);
    puppet.send(cinco);
    await advance(20_000);
    expect(alice.counters().equivocations).toBe(1);
    puppet.send(encodeEventBatch([message(4, 'four')]));
    await advance(100_000);
    expect(alice.counters().quarantine.events).toBe(0);
    expect(contents(room)).toEqual(['one', 'two', 'three', 'four', 'five']);
    // Processed now, and still the one reported.
    puppet.send(cinco);
    await advance(100_000);
    expect(alice.counters().equivocations).toBe(1);
    expect(contents(room)).toEqual(['one', 'two', 'three', 'four', 'five']);
  });

  it('the first version sent again is a duplicate, not an equivocation', async () => {
    const { alice, room, puppet, message, first } = await setup(303);
    puppet.send(encodeEventBatch(first));
    await advance(100_000);
    expect(alice.counters().equivocations).toBe(0);
    expect(contents(room)).toEqual(['one', 'two', 'three']);
    // Another version of one of them, in the same setup, is counted: the duplicate was told apart.
    puppet.send(encodeEventBatch([message(1, 'uno')]));
    await advance(100_000);
    expect(alice.counters().equivocations).toBe(1);
  });
});

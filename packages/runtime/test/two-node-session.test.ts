import { PayloadKind, payloadKind, splitEventBatch } from '@elara/core';
import { LocalLogFullError } from '@elara/state';
import { STATISTICAL_SEEDS } from '@elara/testkit';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FrameSender } from '../src/frame-sender.ts';
import type { Node, NodeConfig, Session } from '../src/index.ts';
import { fulfilled, simNodes, type SimNodes } from './sim-nodes.ts';
import { contents, present, sameSnapshot, unacknowledged } from './session-views.ts';

let sim: SimNodes;
afterEach(async () => {
  await sim.close();
});

const short: NodeConfig = {
  heartbeatIntervalUs: 200_000,
  peerTimeoutUs: 1_000_000,
  streams: { presence: { timeoutUs: 2_000_000 }, typing: { ttlUs: 500_000 } },
};

interface Pair {
  readonly alice: Node;
  readonly bob: Node;
  readonly room: Session;
  readonly joined: Session;
}

async function pair(seed: number, link = {}, config: NodeConfig = {}): Promise<Pair> {
  sim = simNodes(seed, { latencyUs: 10_000, ...link });
  const alice = await sim.add({ ...short, ...config });
  const bob = await sim.add({ ...short, ...config });
  const room = await alice.createSession();
  const joined = fulfilled(await sim.settle(bob.joinSession(room.invite())));
  return { alice, bob, room, joined };
}

const advance = (us: number): Promise<void> => sim.world.scheduler.advanceBy(us);

function sameState(a: Session, b: Session): void {
  expect(sameSnapshot(a, b)).toBe(true);
}

describe('a two-node session on a simulated network', () => {
  it('the joiner is signed into the membership log by the inviter and sees its history', async () => {
    sim = simNodes(20, { latencyUs: 10_000 });
    const alice = await sim.add(short);
    const bob = await sim.add(short);
    const room = await alice.createSession();
    room.text('general').send('before bob');
    const joined = fulfilled(await sim.settle(bob.joinSession(room.invite())));
    expect(joined.membership.inSession(bob.nodeId)).toBe(true);
    expect(joined.membership.member(alice.nodeId)?.role).toBe(3);
    expect(room.participants.get(bob.nodeId)?.role).toBe(1);
    await advance(300_000);
    expect(contents(joined)).toEqual(['before bob']);
    sameState(room, joined);
  });

  it('text both ways with edits, reactions and deletes ends identical on both', async () => {
    const { room, joined, alice, bob } = await pair(21);
    const a = room.text('general');
    const b = joined.text('general');
    const hello = a.send('hello');
    await advance(100_000);
    expect(contents(joined)).toEqual(['hello']);
    const hi = b.send('hi alice');
    const oops = b.send('oops');
    await advance(100_000);
    expect(contents(room)).toEqual(['hello', 'hi alice', 'oops']);
    a.edit(hello, 'hello, bob');
    b.react(hello, '👍');
    a.react(hi, '🎉');
    b.delete(oops);
    await advance(100_000);
    for (const s of [room, joined]) {
      const [m1, m2, m3] = s.text('general').messages();
      expect(m1).toMatchObject({ author: alice.nodeId, content: 'hello, bob', edited: true });
      expect(m1?.reactions).toEqual([{ reaction: '👍', authors: [bob.nodeId] }]);
      expect(m2).toMatchObject({ author: bob.nodeId, content: 'hi alice' });
      expect(m2?.reactions).toEqual([{ reaction: '🎉', authors: [alice.nodeId] }]);
      expect(m3).toMatchObject({ deleted: true, content: '' });
    }
    expect(b.messages()).toEqual(a.messages());
    await advance(1_000_000);
    sameState(room, joined);
    // Both acknowledged everything: nothing waits in the local logs.
    expect(unacknowledged(room)).toBe(0);
    expect(unacknowledged(joined)).toBe(0);
    expect(alice.counters().rejectedTotal).toBe(0);
    expect(bob.counters().rejectedTotal).toBe(0);
  });

  it('presence: join, leave, and timeout while partitioned; typing expires', async () => {
    const { room, joined, alice, bob } = await pair(22);
    room.presence().join();
    joined.presence().join();
    await advance(100_000);
    expect(present(room)).toEqual([alice.nodeId, bob.nodeId].sort());
    expect(present(joined)).toEqual([alice.nodeId, bob.nodeId].sort());
    joined.presence().leave();
    await advance(100_000);
    expect(present(room)).toEqual([alice.nodeId]);
    joined.presence().join();
    // Heartbeats keep both present far beyond the 2 s timeout.
    await advance(6_000_000);
    expect(present(room)).toEqual([alice.nodeId, bob.nodeId].sort());
    sim.net.partition([alice.localAddress], [bob.localAddress]);
    await advance(3_000_000);
    expect(present(room)).toEqual([alice.nodeId]);
    expect(present(joined)).toEqual([bob.nodeId]);
    sim.net.heal();
    await advance(1_500_000);
    expect(present(room)).toEqual([alice.nodeId, bob.nodeId].sort());

    const typing = joined.typing('general');
    const seen: number[] = [];
    const sub = room.typing('general').typing$.subscribe((list) => seen.push(list.length));
    typing.start();
    await advance(100_000);
    expect(
      room
        .typing('general')
        .typing()
        .map((t) => t.user),
    ).toEqual([bob.nodeId]);
    await advance(600_000);
    expect(room.typing('general').typing()).toEqual([]);
    expect(joined.typing('general').typing()).toEqual([]);
    expect(seen).toEqual([0, 1, 0]);
    sub.unsubscribe();
    sameState(room, joined);
  });

  it('leave removes the member everywhere and closes its channel', async () => {
    const { room, joined, alice, bob } = await pair(23);
    joined.presence().join();
    await advance(100_000);
    await joined.leave();
    expect(joined.closed).toBe(true);
    expect(bob.sessionIds()).toEqual([]);
    await advance(100_000);
    expect(room.participants.has(bob.nodeId)).toBe(false);
    expect(room.membership.inSession(bob.nodeId)).toBe(false);
    expect(present(room)).toEqual([]);
    expect(alice.counters().peers).toBe(0);
  });

  it.each(STATISTICAL_SEEDS)(
    'converges through loss (20 percent), reordering and duplication by repair, seed %i',
    async (seed) => {
      const { room, joined } = await pair(
        seed,
        {
          latencyUs: 20_000,
          jitter: { distribution: 'exponential', meanUs: 10_000 },
          loss: { model: 'random', p: 0.2 },
          reorder: { p: 0.1, delayUs: 30_000 },
          duplicate: 0.05,
        },
        // A handshake of six datagrams through 20 % loss needs more than the default 5 attempts.
        { limits: { initiator: { maxAttempts: 40 } } },
      );
      const a = room.text('general');
      const b = joined.text('general');
      for (let i = 0; i < 30; i++) {
        a.send(`a${i}`);
        b.send(`b${i}`);
        await advance(50_000);
      }
      await advance(5_000_000);
      expect(contents(room).length).toBe(60);
      expect(contents(joined)).toEqual(contents(room));
      // Each author's own order is kept.
      const mine = contents(room).filter((c) => c.startsWith('a'));
      expect(mine).toEqual(Array.from({ length: 30 }, (_, i) => `a${i}`));
      sameState(room, joined);
    },
  );

  it('a full local log makes send() fail by name, and drains when the peer acknowledges', async () => {
    const { room, alice, bob } = await pair(25, {}, { eventBufferSize: 4 });
    await advance(1_000_000); // Bob acknowledges Alice's entry admitting him
    sim.net.partition([alice.localAddress], [bob.localAddress]);
    const a = room.text('general');
    for (let i = 0; i < 4; i++) a.send(`m${i}`);
    expect(() => a.send('one too many')).toThrow(LocalLogFullError);
    expect(a.messages().length).toBe(4);
    sim.net.heal();
    await advance(1_000_000);
    expect(() => a.send('room again')).not.toThrow();
  });

  it('packs events written together into shared frames, and fragments large ones', async () => {
    const { room, joined, alice } = await pair(
      26,
      {},
      { streams: { text: { maxContentBytes: 4096 } } },
    );
    await advance(1_000_000);
    const before = alice.counters().datagramsOut;
    const a = room.text('general');
    for (let i = 0; i < 10; i++) a.send(`small ${i}`);
    await advance(1_000);
    // Ten small durable events in far fewer frames than ten.
    expect(alice.counters().datagramsOut - before).toBeLessThanOrEqual(2);
    const big = 'x'.repeat(4000);
    a.send(big);
    await advance(100_000);
    expect(joined.text('general').messages().at(-1)?.content).toBe(big);
    expect(contents(joined).length).toBe(11);
  });

  it('a send that fails partway through a round counts only the events it did not send', async () => {
    const { room, joined, alice } = await pair(27);
    await advance(1_000_000);
    // eslint-disable-next-line @typescript-eslint/unbound-method -- applied to its instance below
    const original = FrameSender.prototype.send;
    let eventPayloads = 0;
    let sentEvents = 0;
    const send = vi.spyOn(FrameSender.prototype, 'send').mockImplementation(function (
      this: FrameSender,
      ...args
    ) {
      const payload = args[1];
      if (payloadKind(payload) === PayloadKind.Events && ++eventPayloads > 3) {
        send.mockRestore();
        throw new Error('the channel can no longer seal');
      }
      const bytes = original.apply(this, args);
      if (payloadKind(payload) === PayloadKind.Events) {
        sentEvents += splitEventBatch(payload).length;
      }
      return bytes;
    });
    const dropped = alice.counters().eventsDropped;
    // Ten messages of about a frame each: one round of several payloads.
    for (let i = 0; i < 10; i++) room.text('general').send(`${i}`.padEnd(900, '.'));
    await advance(1_000);
    send.mockRestore();
    expect(sentEvents).toBeGreaterThan(0);
    expect(sentEvents).toBeLessThan(10);
    expect(alice.counters().eventsDropped - dropped).toBe(10 - sentEvents);
    // What was dropped is durable: repair brings it.
    await advance(3_000_000);
    expect(contents(joined)).toEqual(contents(room));
    expect(contents(joined)).toHaveLength(10);
  });

  it("frames' time hints wrap after ~59.6 h: the path still reads as steady at 62 h", async () => {
    const H = 3_600_000_000;
    // Hour-long heartbeats keep the virtual run short; only the time hints matter here.
    const slow = {
      tickIntervalUs: 10_000_000,
      heartbeatIntervalUs: H,
      peerTimeoutUs: 2 * H,
      streams: { presence: { timeoutUs: 60_000_000 } },
    };
    const { room, joined, bob } = await pair(28, { latencyUs: 20_000 }, slow);
    const burst = async (): Promise<void> => {
      // Fifty messages 100 ms apart on a fixed 20 ms path: no jitter, no loss.
      for (let i = 0; i < 50; i++) {
        joined.text('general').send(`m${i}`);
        await advance(100_000);
      }
      await advance(10_000_000);
    };
    await burst();
    await advance(62 * H);
    await burst();
    const path = room.participants.get(bob.nodeId)?.network;
    expect(path?.jitterUs).toBeLessThan(1_000);
    expect(path?.lossRate).toBe(0);
    expect(contents(room)).toHaveLength(100);
  });
});

import {
  EventKind,
  EventType,
  PacketClass,
  PayloadKind,
  type RepairRequestMessage,
  type RepairResponseMessage,
  decodeControlMessage,
  encodeControlMessage,
  encodeEventBatch,
  type NodeId,
  nodeId,
  signEnvelope,
} from '@elara/core';
import { eventSigner } from '@elara/crypto';
import { StreamKind, streamAtomId } from '@elara/streams';
import { MalformedDigestError } from '@elara/state';
import { afterEach, describe, expect, it } from 'vitest';
import { Rejection, type NodeConfig } from '../src/index.ts';
import { nodeWithPuppet, type NodeWithPuppet, type PuppetPeer } from './puppet-peer.ts';
import { simNodes, type SimNodes } from './sim-nodes.ts';

let sim: SimNodes;
afterEach(async () => {
  await sim.close();
});

const advance = (us: number): Promise<void> => sim.world.scheduler.advanceBy(us);

/** Alice with ten messages of her own, and a member the test drives. */
async function setup(
  seed: number,
  quarantineAgeUs?: number,
  limits: NodeConfig['limits'] = {},
): Promise<NodeWithPuppet> {
  sim = simNodes(seed, { latencyUs: 5_000 });
  return nodeWithPuppet(
    sim,
    {
      limits: {
        ...limits,
        ...(quarantineAgeUs === undefined ? {} : { field: { quarantineAgeUs } }),
      },
    },
    (room) => {
      for (let i = 0; i < 10; i++) room.text('general').send(`m${i}`);
    },
  );
}

/** The repair responses the puppet received since `from` (an index into its received list). */
function responses(puppet: PuppetPeer, from: number): RepairResponseMessage[] {
  return puppet.received
    .slice(from)
    .filter((b) => b[0] === PayloadKind.Control)
    .map((b) => decodeControlMessage(b))
    .filter((m): m is RepairResponseMessage => m.type === 'repair-response');
}

/** The repair requests the puppet received since `from`. */
function requests(puppet: PuppetPeer, from: number): RepairRequestMessage[] {
  return puppet.received
    .slice(from)
    .filter((b) => b[0] === PayloadKind.Control)
    .map((b) => decodeControlMessage(b))
    .filter((m): m is RepairRequestMessage => m.type === 'repair-request');
}

describe('gaps', () => {
  it('an event ahead of its author is held and its missing seqs asked for; an eviction asks again, for it too', async () => {
    const { alice, room, puppet } = await setup(74, 400_000);
    const author = puppet.identity.nodeId;
    const sign = eventSigner(puppet.identity);
    const third = signEnvelope(
      room.sessionId,
      {
        kind: EventKind.Durable,
        author,
        seq: 3,
        time: sim.world.scheduler.now(),
        target: streamAtomId(StreamKind.Text, 'general'),
        eventType: EventType.TextAppend,
        dependencies: [],
        mutation: { type: 'append', data: Uint8Array.of(1) },
      },
      sign,
    );
    const before = puppet.received.length;
    puppet.send(encodeEventBatch([third]));
    await advance(100_000);
    expect(alice.counters().quarantine.events).toBe(1);
    // Asked of its author, for exactly what is missing: 1 and 2 (3 is held).
    const asked = requests(puppet, before).filter((r) => r.digest.size === 0);
    expect(asked.length).toBeGreaterThan(0);
    expect(asked[0]?.ranges).toEqual([{ author, from: 1, to: 2 }]);
    // The puppet never answers: the quarantine gives up on seq 3, which is asked for again.
    await advance(600_000);
    expect(alice.counters().quarantine.events).toBe(0);
    const later = requests(puppet, before)
      .filter((r) => r.digest.size === 0)
      .at(-1) as RepairRequestMessage;
    expect(later.ranges).toEqual([{ author, from: 1, to: 3 }]);
  });
});

describe('claims of heads', () => {
  it("heads a digest makes up are bounded: none for non-members, and a member's stop being asked for", async () => {
    const { alice, puppet } = await setup(75);
    const author = puppet.identity.nodeId;
    const before = puppet.received.length;
    for (let d = 0; d < 20; d++) {
      const digest = new Map<NodeId, bigint>([[author, 0xffff_ffffn]]);
      for (let i = 0; i < 60; i++) digest.set(nodeId(1_000_000 + d * 60 + i), 0xffff_ffffn);
      puppet.send(
        encodeControlMessage({ type: 'repair-request', requestId: d + 1, ranges: [], digest }),
        PacketClass.Repair,
      );
    }
    await advance(5_000_000);
    const asked = requests(puppet, before).filter((r) => r.digest.size === 0);
    const authors = new Set(asked.flatMap((r) => r.ranges.map((x) => x.author)));
    expect([...authors]).toEqual([author]);
    expect(asked.length).toBeGreaterThan(0);
    // The puppet never answers: the gap is dropped, and no request goes any more.
    const mid = puppet.received.length;
    await advance(5_000_000);
    expect(requests(puppet, mid).filter((r) => r.digest.size === 0)).toEqual([]);
    expect(alice.counters().repair.requestsOut).toBeLessThan(200);
  });

  it('a claimed head is cut to the configured reach and dropped after the configured tries', async () => {
    const { puppet } = await setup(79, undefined, { maxGapAhead: 10, maxGapTries: 2 });
    const author = puppet.identity.nodeId;
    const before = puppet.received.length;
    puppet.send(
      encodeControlMessage({
        type: 'repair-request',
        requestId: 1,
        ranges: [],
        digest: new Map([[author, 0xffff_ffffn]]),
      }),
      PacketClass.Repair,
    );
    await advance(10_000_000);
    const asked = requests(puppet, before).filter((r) => r.digest.size === 0);
    expect(asked.length).toBe(2);
    for (const r of asked) expect(r.ranges).toEqual([{ author, from: 1, to: 10 }]);
  });

  it("a removed member's gaps are forgotten", async () => {
    const { room, puppet } = await setup(76);
    const author = puppet.identity.nodeId;
    const gaps = (room as unknown as { core: { repair: { gaps: { size: number } } } }).core.repair
      .gaps;
    puppet.send(
      encodeControlMessage({
        type: 'repair-request',
        requestId: 1,
        ranges: [],
        digest: new Map([[author, 50n]]),
      }),
      PacketClass.Repair,
    );
    await advance(20_000);
    expect(gaps.size).toBe(1);
    room.remove(author);
    await advance(100_000);
    expect(gaps.size).toBe(0);
  });
});

describe('repair requests from a member', () => {
  it('a targeted request is answered with exactly the events of its ranges, signatures intact', async () => {
    const { alice, puppet } = await setup(71);
    const before = puppet.received.length;
    puppet.send(
      encodeControlMessage({
        type: 'repair-request',
        requestId: 77,
        ranges: [
          { author: alice.nodeId, from: 3, to: 5 },
          { author: alice.nodeId, from: 9, to: 9 },
        ],
        digest: new Map(),
      }),
      PacketClass.Repair,
    );
    await advance(20_000);
    const answers = responses(puppet, before).filter((m) => m.requestId === 77);
    const seqs = answers.flatMap((m) => m.events.map((e) => [e.author, e.seq]));
    expect(seqs).toEqual([3, 4, 5, 9].map((seq) => [alice.nodeId, seq]));
    expect(answers.at(-1)?.final).toBe(true);
    for (const m of answers) for (const e of m.events) expect(e.signature.length).toBe(64);
    expect(alice.counters().repair.requestsIn).toBeGreaterThan(0);
  });

  it('a flood of requests is answered at the peer rate and the rest counted by name', async () => {
    const { alice, puppet } = await setup(72);
    const request = encodeControlMessage({
      type: 'repair-request',
      requestId: 1,
      ranges: [{ author: alice.nodeId, from: 1, to: 1024 }],
      digest: new Map(),
    });
    const before = alice.counters();
    for (let i = 0; i < 500; i++) puppet.send(request, PacketClass.Repair);
    await advance(10_000);
    const after = alice.counters();
    const answered = after.repair.requestsIn - before.repair.requestsIn;
    const refused =
      (after.rejected[Rejection.RepairRateLimited] ?? 0) -
      (before.rejected[Rejection.RepairRateLimited] ?? 0);
    // The burst (40, less what the join already used), then nothing more within 10 ms.
    expect(answered).toBeLessThanOrEqual(41);
    expect(answered + refused).toBe(500 - (after.rejected['DuplicateFrameError'] ?? 0));
    // Each answer is bounded: at most the events Alice holds, here 12.
    expect(after.repair.eventsOut - before.repair.eventsOut).toBeLessThanOrEqual(answered * 12);
  });

  it('the answer rate and burst are the configured ones', async () => {
    const { alice, puppet } = await setup(78, undefined, {
      repairAnswerRate: 2,
      repairAnswerBurst: 3,
    });
    const request = encodeControlMessage({
      type: 'repair-request',
      requestId: 1,
      ranges: [{ author: alice.nodeId, from: 1, to: 1 }],
      digest: new Map(),
    });
    // The join's digests used the bucket: let it fill again (1.5 s at 2 per second).
    await advance(1_500_000);
    const before = alice.counters();
    for (let i = 0; i < 20; i++) puppet.send(request, PacketClass.Repair);
    await advance(10_000);
    const burst = alice.counters().repair.requestsIn - before.repair.requestsIn;
    expect(burst).toBe(3);
    // One second later, two more (the sustained rate).
    await advance(990_000);
    const mid = alice.counters();
    for (let i = 0; i < 20; i++) puppet.send(request, PacketClass.Repair);
    await advance(10_000);
    expect(alice.counters().repair.requestsIn - mid.repair.requestsIn).toBe(2);
    expect(alice.counters().rejected[Rejection.RepairRateLimited]).toBe(35);
  });

  it('a malformed digest is refused by name, acks for unknown authors are ignored, and the session goes on', async () => {
    const { alice, room, puppet } = await setup(73);
    const before = alice.counters().rejected;
    // A digest whose head is beyond any seq.
    puppet.send(
      encodeControlMessage({
        type: 'repair-request',
        requestId: 2,
        ranges: [],
        digest: new Map([[alice.nodeId, 1n << 40n]]),
      }),
      PacketClass.Repair,
    );
    // Acknowledgements for an author nobody knows, and beyond anything written.
    puppet.send(
      encodeControlMessage({
        type: 'ack',
        upTo: [
          { author: nodeId(12345), seq: 9 },
          { author: alice.nodeId, seq: 4_000_000 },
        ],
      }),
    );
    await advance(20_000);
    const after = alice.counters().rejected;
    expect((after[MalformedDigestError.code] ?? 0) - (before[MalformedDigestError.code] ?? 0)).toBe(
      1,
    );
    // The session goes on: Alice still writes, the member still gets her events.
    const seen = puppet.received.length;
    room.text('general').send('still fine');
    await advance(100_000);
    expect(puppet.received.length).toBeGreaterThan(seen);
    expect(alice.counters().rejected[Rejection.UnexpectedError]).toBeUndefined();
  });
});

describe('time-sync input from a member', () => {
  it('a flood of requests is answered at the slot rate; an answer to no exchange is refused by name', async () => {
    const { alice, puppet } = await setup(75);
    const before = alice.counters().rejected;
    const seen = puppet.received.length;
    for (let i = 0; i < 100; i++) {
      puppet.send(encodeControlMessage({ type: 'time-sync-request', id: i + 1, t1: 1_000 + i }));
    }
    // An answer to no exchange of Alice's.
    puppet.send(
      encodeControlMessage({ type: 'time-sync-response', id: 5, t1: 123, t2: 456, t3: 789 }),
    );
    await advance(20_000);
    const answers = puppet.received
      .slice(seen)
      .filter((b) => b[0] === PayloadKind.Control)
      .map((b) => decodeControlMessage(b))
      .filter((m) => m.type === 'time-sync-response' && m.t1 >= 1_000 && m.t1 < 1_100);
    const after = alice.counters().rejected;
    const limited =
      (after[Rejection.TimeSyncRateLimited] ?? 0) - (before[Rejection.TimeSyncRateLimited] ?? 0);
    expect(answers.length).toBeLessThanOrEqual(5);
    expect(answers.length + limited).toBe(100);
    expect((after[Rejection.Unsolicited] ?? 0) - (before[Rejection.Unsolicited] ?? 0)).toBe(1);
    expect(after[Rejection.UnexpectedError]).toBeUndefined();
  });
});

import {
  ControlType,
  type DurableEnvelope,
  EventKind,
  EventType,
  PayloadKind,
  encodeEventBatch,
  signEnvelope,
  decodeControlMessage,
  encodeControlMessage,
  encodeFragment,
  fragmentPayload,
} from '@elara/core';
import { Prng } from '@elara/core/sim';
import { eventSigner } from '@elara/crypto';
import { StreamKind, streamAtomId } from '@elara/streams';
import { afterEach, describe, expect, it } from 'vitest';
import { Rejection, type Node, type Session } from '../src/index.ts';
import { puppetJoin, type PuppetPeer } from './puppet-peer.ts';
import { fulfilled, simNodes, type SimNodes } from './sim-nodes.ts';

let sim: SimNodes;
afterEach(async () => {
  await sim.close();
});

interface Pair {
  readonly alice: Node;
  readonly bob: Node;
  readonly room: Session;
  readonly joined: Session;
}

async function pair(seed: number): Promise<Pair> {
  sim = simNodes(seed);
  const alice = await sim.add({ heartbeatIntervalUs: 200_000, peerTimeoutUs: 1_000_000 });
  const bob = await sim.add({ heartbeatIntervalUs: 200_000, peerTimeoutUs: 1_000_000 });
  const room = await alice.createSession();
  const joined = fulfilled(await sim.settle(bob.joinSession(room.invite())));
  return { alice, bob, room, joined };
}

/** Rejections added by `run`, by name. */
async function rejectionsDuring(
  node: Node,
  run: () => Promise<void> | void,
): Promise<Record<string, number>> {
  const before = node.counters().rejected;
  await run();
  const after = node.counters().rejected;
  const added: Record<string, number> = {};
  for (const [name, n] of Object.entries(after)) {
    const d = n - (before[name] ?? 0);
    if (d > 0) added[name] = d;
  }
  return added;
}

function sum(r: Record<string, number>): number {
  return Object.values(r).reduce((a, b) => a + b, 0);
}

/** Bob is still connected to Alice and round trips are still measured after `ms` more. */
async function stillWorks(p: Pair): Promise<void> {
  const probesBefore = p.bob.counters().datagramsIn;
  await sim.world.scheduler.advanceBy(1_000_000);
  expect(p.bob.counters().datagramsIn).toBeGreaterThan(probesBefore);
  expect(p.room.participants.get(p.bob.nodeId)?.connected).toBe(true);
  expect(p.joined.participants.get(p.alice.nodeId)?.connected).toBe(true);
}

describe('bad input from strangers', () => {
  it('counts junk from 500 addresses by name, once each, and keeps the session working', async () => {
    const p = await pair(10);
    const rng = new Prng(10);
    const strangers = Array.from({ length: 500 }, () => sim.net.bind());
    sim.transports.push(...strangers);
    const firsts = [0x00, 0x01, 0x10, 0x10, 0x10, 0x42, 0x80, 0xff];
    const added = await rejectionsDuring(p.alice, async () => {
      for (const s of strangers) {
        for (let k = 0; k < 4; k++) {
          const junk = rng.fill(new Uint8Array(rng.int(0, 300)));
          if (junk.length > 0) junk[0] = firsts[rng.int(0, firsts.length - 1)] as number;
          s.send(junk, p.alice.localAddress);
        }
      }
      await sim.world.scheduler.advanceBy(100_000);
    });
    expect(sum(added)).toBe(2000);
    expect(added[Rejection.UnexpectedError]).toBeUndefined();
    // Every name is a named error or one of the runtime's rejections.
    for (const name of Object.keys(added)) expect(name).toMatch(/Error$|^[A-Z][A-Za-z0-9]+$/);
    await stillWorks(p);
    expect(p.alice.counters().handshakes.pending).toBe(0);
  });

  it('refuses truncations, bit flips, replays and misrouted copies of genuine frames', async () => {
    const p = await pair(11);
    const captured: Uint8Array[] = [];
    const tap = sim.net.bind();
    sim.transports.push(tap);
    // Capture Bob's frames to Alice by listening on the wire: the sim's trace has their bytes
    // only as they are sent, so a puppet re-sends copies from its own address.
    const off = p.alice.transport.onDatagram((d) => {
      if (captured.length < 8 && d.data[1] !== 0x80) captured.push(d.data.slice());
    });
    await sim.world.scheduler.advanceBy(2_000_000);
    off();
    expect(captured.length).toBe(8);
    const frame = captured[0] as Uint8Array;
    const added = await rejectionsDuring(p.alice, async () => {
      for (let n = 0; n < frame.length; n++) tap.send(frame.subarray(0, n), p.alice.localAddress);
      for (let bit = 0; bit < frame.length * 8; bit += 7) {
        const flipped = frame.slice();
        flipped[bit >> 3] = (flipped[bit >> 3] as number) ^ (1 << (bit & 7));
        tap.send(flipped, p.alice.localAddress);
      }
      for (const c of captured) tap.send(c, p.alice.localAddress);
      await sim.world.scheduler.advanceBy(50_000);
    });
    const sent = frame.length + Math.ceil((frame.length * 8) / 7) + captured.length;
    expect(sum(added)).toBe(sent);
    expect(added['DuplicateFrameError']).toBeGreaterThanOrEqual(captured.length);
    expect(added['AuthenticationError']).toBeGreaterThan(0);
    expect(added['BufferTooShortError']).toBeGreaterThan(0);
    expect(added[Rejection.UnknownSession]).toBeGreaterThan(0); // flips in the session id
    expect(added[Rejection.UnknownPeer]).toBeGreaterThan(0); // flips in the sender
    expect(added[Rejection.UnexpectedError]).toBeUndefined();
    await stillWorks(p);
  });

  it('counts forged and replayed handshake messages without keeping state for them', async () => {
    const p = await pair(12);
    const handshakes: Uint8Array[] = [];
    const tap = sim.net.bind();
    sim.transports.push(tap);
    const carol = await sim.add();
    const off = p.alice.transport.onDatagram((d) => {
      if (d.data[1] === 0x80) handshakes.push(d.data.slice());
    });
    fulfilled(await sim.settle(carol.joinSession(p.room.invite())));
    off();
    expect(handshakes.length).toBeGreaterThanOrEqual(3);
    const added = await rejectionsDuring(p.alice, async () => {
      for (const h of handshakes) tap.send(h, p.alice.localAddress);
      await sim.world.scheduler.advanceBy(50_000);
    });
    // The replayed cookie-less Init may be answered (a stateless Retry); the others are refused.
    expect(sum(added)).toBeGreaterThanOrEqual(handshakes.length - 1);
    expect(added[Rejection.UnexpectedError]).toBeUndefined();
    expect(p.alice.counters().handshakes.accepted).toBe(2);
    expect(p.room.participants.size).toBe(3);
  });
});

describe('bad input from a member', () => {
  async function withPuppet(seed: number): Promise<{ p: Pair; puppet: PuppetPeer }> {
    const p = await pair(seed);
    const puppet = await puppetJoin(sim, p.alice, p.room);
    return { p, puppet };
  }

  it('refuses malformed sealed payloads by name', async () => {
    const { p, puppet } = await withPuppet(13);
    const added = await rejectionsDuring(p.alice, async () => {
      puppet.send(new Uint8Array(0));
      puppet.send(Uint8Array.of(0x09, 1, 2));
      puppet.send(Uint8Array.of(0x02, 0x7f));
      puppet.send(Uint8Array.of(0x02, ControlType.Heartbeat, 1, 2));
      puppet.send(encodeControlMessage({ type: 'handshake', bytes: Uint8Array.of(1, 2, 3) }));
      puppet.send(
        encodeControlMessage({ type: 'time-sync-response', id: 77, t1: 5, t2: 6, t3: 7 }),
      );
      puppet.send(Uint8Array.of(0x03, 1));
      await sim.world.scheduler.advanceBy(20_000);
    });
    expect(added).toEqual({
      BufferTooShortError: 3,
      UnknownEnumValueError: 2,
      [Rejection.MisplacedControl]: 1,
      [Rejection.Unsolicited]: 1,
    });
    await stillWorks(p);
  });

  it('reassembles a fragmented message and answers it; refuses nested and oversized fragments', async () => {
    const { p, puppet } = await withPuppet(14);
    const request = encodeControlMessage({ type: 'time-sync-request', id: 9, t1: 1234 });
    const pieces = fragmentPayload(request, { messageId: 1, budget: 12 });
    expect(pieces.length).toBeGreaterThan(3);
    const before = puppet.received.length;
    for (const piece of pieces.reverse()) puppet.send(piece);
    await sim.world.scheduler.advanceBy(20_000);
    const answers = puppet.received
      .slice(before)
      .filter((b) => b[0] === PayloadKind.Control)
      .map((b) => decodeControlMessage(b))
      .filter((m) => m.type === 'time-sync-response');
    expect(answers).toContainEqual(expect.objectContaining({ id: 9, t1: 1234 }));

    const added = await rejectionsDuring(p.alice, async () => {
      // A fragment whose message is itself a fragment payload.
      const inner = encodeFragment({ messageId: 3, index: 0, total: 1, chunk: Uint8Array.of(1) });
      for (const f of fragmentPayload(inner, { messageId: 2, budget: 12 })) puppet.send(f);
      // Too many fragments announced.
      puppet.send(
        encodeFragment({ messageId: 4, index: 0, total: 65_535, chunk: Uint8Array.of(1) }),
      );
      // The same piece twice with different bytes.
      puppet.send(encodeFragment({ messageId: 5, index: 0, total: 2, chunk: Uint8Array.of(1) }));
      puppet.send(encodeFragment({ messageId: 5, index: 0, total: 2, chunk: Uint8Array.of(2) }));
      await sim.world.scheduler.advanceBy(20_000);
    });
    expect(added).toEqual({
      'ReassemblyRejected:nested-fragment': 1,
      'ReassemblyRejected:too-many-fragments': 1,
      [Rejection.ConflictingFragment]: 1,
    });
  });

  it('bounds what a member can make it hold in reassembly, and times it out', async () => {
    const { p, puppet } = await withPuppet(15);
    const chunk = new Uint8Array(1000);
    for (let id = 0; id < 2000; id++) {
      puppet.send(encodeFragment({ messageId: id, index: 0, total: 2, chunk }));
      if (id % 100 === 99) await sim.world.scheduler.advanceBy(1_000);
    }
    await sim.world.scheduler.advanceBy(1_000);
    const held = p.alice.counters().reassembly;
    expect(held.bytes).toBeLessThanOrEqual(256 * 1024);
    expect(held.messages).toBeLessThanOrEqual(8);
    await sim.world.scheduler.advanceBy(3_000_000);
    expect(p.alice.counters().reassembly).toEqual({ messages: 0, bytes: 0 });
    await stillWorks(p);
  });

  it('counts events the state field refuses by reason, and shows what waits in quarantine', async () => {
    const { p, puppet } = await withPuppet(16);
    await sim.world.scheduler.advanceBy(500_000); // the puppet has its admission entry
    const session = p.room.sessionId;
    const author = puppet.identity.nodeId;
    const chat = streamAtomId(StreamKind.Text, 'general');
    const sign = eventSigner(puppet.identity);
    const durable = (seq: number, data: number): DurableEnvelope =>
      signEnvelope(
        session,
        {
          kind: EventKind.Durable,
          author,
          seq,
          time: sim.world.scheduler.now(),
          target: chat,
          eventType: EventType.TextAppend,
          dependencies: [],
          mutation: { type: 'append', data: Uint8Array.of(data) },
        },
        sign,
      );
    const added = await rejectionsDuring(p.alice, async () => {
      // Seq 3 before 1 and 2: it waits for its author's earlier events.
      puppet.send(encodeEventBatch([durable(3, 1)]));
      // A signature that does not verify.
      const forged = durable(1, 2);
      const bad = { ...forged, signature: forged.signature.map((b) => b ^ 1) };
      puppet.send(encodeEventBatch([bad]));
      // An ephemeral event claiming to be Bob's, on the puppet's own channel.
      puppet.send(
        encodeEventBatch([
          {
            kind: EventKind.Ephemeral,
            author: p.bob.nodeId,
            counter: 0,
            time: sim.world.scheduler.now(),
            target: streamAtomId(StreamKind.Typing, 'general'),
            eventType: EventType.TypingStart,
            mutation: { type: 'set', data: Uint8Array.of(1) },
          },
        ]),
      );
      await sim.world.scheduler.advanceBy(20_000);
    });
    expect(added).toEqual({ 'Event:BadSignature': 1, 'Event:NotFromAuthor': 1 });
    expect(p.alice.counters().quarantine.events).toBe(1);
    expect(p.alice.counters().quarantine.bytes).toBeGreaterThan(0);
    await stillWorks(p);
  });
});

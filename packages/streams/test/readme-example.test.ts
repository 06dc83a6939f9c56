// The README's example, run: a chat and presence on two replicas in memory.
import { expect, it } from 'vitest';
import { nodeId, type NodeId, sessionId } from '@elara/core';
import { VirtualScheduler } from '@elara/core/sim';
import { StateField, staticMembership } from '@elara/state';
import { TimeEngine } from '@elara/time';
import { toRxScheduler } from '@elara/time/rx';
import {
  ContentTooLargeError,
  PresenceStatus,
  Streams,
  streamAtomResolver,
  streamOptions,
} from '../src/index.ts';
import { signerFor, verifier } from './helpers.ts';

it('two replicas: chat with a reply, an edit and a reaction; presence, typing and a timeout', () => {
  const clock = new VirtualScheduler(1_800_000_000_000_000); // one virtual clock for both
  const session = sessionId(7n);
  const alice = nodeId(0xa11c_e000_0000_0001n);
  const bob = nodeId(0xb0b0_0000_0000_0002n);
  const options = { presence: { timeoutUs: 30_000_000 } }; // the same on every replica

  const replica = (self: NodeId) => {
    const time = new TimeEngine({ clock });
    const field = new StateField({
      session,
      self,
      time,
      verifier, // Ed25519 from @elara/crypto, through the runtime
      membership: staticMembership([alice, bob]),
      resolve: streamAtomResolver(streamOptions(options), { text: ['general'] }),
    });
    const streams = new Streams({ field, time, signer: signerFor(self), options });
    return { field, streams };
  };
  const a = replica(alice);
  const b = replica(bob);

  // In memory: what one writes the other receives (the runtime sends these bytes over UDP).
  a.streams.outgoing$.subscribe(({ bytes }) => b.field.receiveBytes(bytes, { from: alice }));
  b.streams.outgoing$.subscribe(({ bytes }) => a.field.receiveBytes(bytes, { from: bob }));

  // Chat
  const log: string[][] = [];
  b.streams
    .text('general')
    .messages$.subscribe((list) =>
      log.push(
        list.map((m) => `${m.content} ${m.reactions.map((r) => r.reaction).join('')}`.trim()),
      ),
    );
  const hello = a.streams.text('general').send('hello bob');
  b.streams.text('general').send('hi alice', { replyTo: hello });
  a.streams.text('general').edit(hello, 'hello, bob');
  b.streams.text('general').react(hello, '👋');
  expect(log).toEqual([
    [],
    ['hello bob'],
    ['hello bob', 'hi alice'],
    ['hello, bob', 'hi alice'],
    ['hello, bob 👋', 'hi alice'],
  ]);

  // Presence and typing
  const here: NodeId[][] = [];
  b.streams.presence().presence$.subscribe((list) => here.push(list.map((p) => p.user)));
  a.streams.presence().join({ status: PresenceStatus.Online });
  a.streams.typing('general').start();
  expect(
    b.streams
      .typing('general')
      .typing()
      .map((t) => t.user),
  ).toEqual([alice]);

  // Time: the runtime calls expire(now) every tick; here the virtual clock jumps 31 s.
  clock.advanceBySync(31_000_000);
  a.field.expire();
  b.field.expire();
  expect(here).toEqual([[], [alice], []]); // Alice timed out (no heartbeats)
  expect(b.streams.typing('general').typing()).toEqual([]);

  // Staying present: heartbeats on a scheduler; a refused one would complete them.
  const warnings: string[] = [];
  const warn = (w: string) => warnings.push(w);
  const presence = a.streams.presence();
  presence.join();
  const beats = presence.heartbeats(10_000, toRxScheduler(clock)).subscribe({
    complete: () => warn('you are no longer in this session'),
  });
  clock.advanceBySync(31_000_000);
  a.field.expire();
  b.field.expire();
  // Alice is still here: her join, then a heartbeat every 10 s.
  expect(here).toEqual([[], [alice], [], [alice], [alice], [alice], [alice]]);
  expect(b.streams.presence().present()[0]?.lastSeen).toBe(clock.now() - 1_000_000);
  beats.unsubscribe();

  // A write refused by name writes nothing.
  const sent = b.streams.text('general').messages();
  try {
    a.streams.text('general').send('x'.repeat(5_000));
  } catch (e) {
    if (!(e instanceof ContentTooLargeError)) throw e;
    warn(`${e.size} bytes, at most ${e.limit}`);
  }
  expect(warnings).toEqual(['5000 bytes, at most 4096']);
  expect(b.streams.text('general').messages()).toBe(sent);
  expect(JSON.stringify(b.field.snapshot())).toBe(JSON.stringify(a.field.snapshot()));
});

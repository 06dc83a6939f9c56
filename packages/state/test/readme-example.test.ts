// The README's example, run: two replicas of one session, in memory.
import { expect, it } from 'vitest';
import {
  encodeEnvelope,
  EventKind,
  EventType,
  nodeId,
  sessionId,
  signEnvelope,
  StateType,
  StateTypePrefix,
  stateIdFromParts,
} from '@elara/core';
import { VirtualScheduler } from '@elara/core/sim';
import { TimeEngine } from '@elara/time';
import {
  type AtomChange,
  AuthorityScope,
  DeltaLaw,
  StateField,
  staticMembership,
} from '../src/index.ts';
import { toySigner, toyVerifier } from './helpers.ts';

it('two replicas: a chat log and presence, local-first, same snapshot', () => {
  const clock = new VirtualScheduler(1_800_000_000_000_000);
  const session = sessionId(7n);
  const alice = nodeId(0xa11cen);
  const bob = nodeId(0xb0bn);
  const verifier = toyVerifier([alice, bob]); // the runtime injects Ed25519 (@elara/crypto)

  const chat = stateIdFromParts(StateTypePrefix.Text, 1n);
  const presence = (who: bigint) => stateIdFromParts(StateTypePrefix.Presence, who);
  const replica = (self: typeof alice) => {
    const time = new TimeEngine({ clock });
    const field = new StateField({
      session,
      self,
      time,
      verifier,
      membership: staticMembership([alice, bob]),
      // every presence atom: ephemeral, 30 s TTL, written by its user only
      resolve: (id) =>
        id >> 48n === BigInt(StateTypePrefix.Presence)
          ? {
              stateType: StateType.Perceptual,
              law: DeltaLaw.ephemeral(30_000_000),
              authority: { owners: [nodeId(id & 0xffff_ffff_ffffn)] },
            }
          : undefined,
    });
    field.define(chat, {
      stateType: StateType.Core,
      law: DeltaLaw.appendLog(),
      authority: { owners: [alice], members: AuthorityScope.Append },
    });
    return { field, time };
  };
  const a = replica(alice);
  const b = replica(bob);

  const seen: string[] = [];
  b.field.onChange((c: AtomChange) => {
    if (c.delta?.law === 'append-log') seen.push(new TextDecoder().decode(c.delta.entry.data));
  });

  // Alice writes: applied locally first, then signed bytes go out.
  const hello = signEnvelope(
    session,
    {
      kind: EventKind.Durable,
      author: alice,
      seq: a.field.processedOf(alice) + 1,
      time: a.time.stateClock.stampEvent(),
      target: chat,
      eventType: EventType.TextAppend,
      dependencies: a.field.heads(),
      mutation: { type: 'append', data: new TextEncoder().encode('hello') },
    },
    toySigner(alice),
  );
  expect(a.field.applyLocal(hello).status).toBe('applied');
  const here = {
    kind: EventKind.Ephemeral,
    author: alice,
    counter: 0,
    time: a.time.now(),
    target: presence(alice),
    eventType: EventType.PresenceUpdate,
    mutation: { type: 'set', data: Uint8Array.of(1) },
  } as const;
  a.field.applyLocal(here);

  // Bob receives the bytes (from Alice's channel).
  expect(b.field.receiveBytes(encodeEnvelope(hello), { from: alice }).status).toBe('applied');
  expect(b.field.receiveBytes(encodeEnvelope(here), { from: alice }).status).toBe('applied');
  expect(seen).toEqual(['hello']);
  expect(JSON.stringify(b.field.snapshot())).toBe(JSON.stringify(a.field.snapshot()));

  // 30 s later presence has expired on both (state owns TTLs: the runtime calls expire).
  clock.advanceBySync(30_000_000);
  for (const r of [a, b]) r.field.expire();
  const p = b.field.atom(presence(alice))?.state;
  expect(p?.kind === 'ephemeral' && p.entries()).toEqual([]);
  expect(JSON.stringify(b.field.snapshot())).toBe(JSON.stringify(a.field.snapshot()));
});

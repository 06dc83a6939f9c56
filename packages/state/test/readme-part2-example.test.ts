// The README's part 2 example, run: a founder adds a member, both write, anti-entropy repairs
// what was lost, acknowledgements drain the local logs.
import { expect, it } from 'vitest';
import {
  decodeControlMessage,
  encodeControlMessage,
  endpoint,
  EventType,
  type NodeId,
  nodeId,
  type RepairRequestMessage,
  StateType,
  StateTypePrefix,
  stateIdFromParts,
} from '@elara/core';
import {
  AckTable,
  AuthorityScope,
  DeltaLaw,
  Diffusion,
  digestFromRepairRequest,
  digestToRepairRequest,
  EventStore,
  LocalEvents,
  LocalLog,
  MemberRole,
  type MembershipEntry,
  MembershipLog,
  membershipEventType,
  membershipMutation,
} from '../src/index.ts';
import { makeField, T0, toySigner } from './helpers.ts';
import { keysOf, toyCheckKeys, toyKeyVerify } from './replication-helpers.ts';

it('part 2: membership, local events, diffusion, anti-entropy and acknowledgements', () => {
  const alice = nodeId(0xa11cen);
  const bob = nodeId(0xb0bn);
  const chat = stateIdFromParts(StateTypePrefix.Text, 1n);

  const node = (self: NodeId) => {
    const log = new MembershipLog({
      founder: { id: alice, ...keysOf(alice), addresses: [endpoint('192.0.2.1', 4000)] },
      checkKeys: toyCheckKeys, // the runtime: the NodeId derived from the Ed25519 key
    });
    const acks = new AckTable();
    const store = new EventStore({ acks, self });
    const { field } = makeField(self, {
      verifier: log.verifier(toyKeyVerify), // the runtime: the crypto provider's Ed25519 verify
      membership: log,
      observers: [log, store],
    });
    field.define(log.atom, log.atomSpec());
    field.define(chat, {
      stateType: StateType.Core,
      law: DeltaLaw.appendLog(),
      authority: { owners: [alice], members: AuthorityScope.Append },
    });
    const outbox = new LocalLog({ self, acks });
    const local = new LocalEvents({
      field,
      signer: toySigner(self),
      now: () => T0,
      membership: log,
      log: outbox,
    });
    const diffusion = new Diffusion({ self, members: () => log.members().map((m) => m.id) });
    // membership changes: whose acknowledgements count (the runtime also admits and drops peers)
    field.onChange((c) => {
      if (c.atom === log.atom)
        acks.setMembers(
          log
            .members()
            .map((m) => m.id)
            .filter((id) => id !== self),
        );
    });
    return { self, field, log, acks, store, outbox, local, diffusion };
  };
  const a = node(alice);
  const b = node(bob);

  // Alice adds Bob; the entry goes to every member (Bob is one once it applies).
  const entry: MembershipEntry = {
    op: 'add',
    member: bob,
    role: MemberRole.Member,
    ...keysOf(bob),
    addresses: [endpoint('198.51.100.7', 5000)],
  };
  const added = a.local.durable({
    target: a.log.atom,
    eventType: membershipEventType(entry),
    mutation: membershipMutation(entry),
  });
  expect(a.diffusion.recipients(added.envelope)).toEqual([bob]);
  expect(b.field.receiveBytes(added.bytes).status).toBe('applied');

  // Both write; Alice's second message is lost on the way.
  const text = (s: string) => ({
    target: chat,
    eventType: EventType.TextAppend,
    mutation: { type: 'append' as const, data: new TextEncoder().encode(s) },
  });
  const hi = b.local.durable(text('hi alice'));
  expect(hi.envelope.dependencies).toContainEqual({ author: alice, seq: 1 }); // follows its admission
  a.field.receiveBytes(hi.bytes);
  a.local.durable(text('hi bob')); // lost
  expect(a.local.durable(text('are you there?')).envelope.seq).toBe(3);
  expect(a.outbox.pendingSeqs()).toEqual([1, 2, 3]); // nothing acknowledged by Bob yet

  // Anti-entropy: each sends its digest as a repair request; each answers what the other lacks.
  const exchange = (from: typeof a, to: typeof a) => {
    const wire = encodeControlMessage(digestToRepairRequest(1, to.store.digest()));
    const digest = digestFromRepairRequest(decodeControlMessage(wire) as RepairRequestMessage);
    from.acks.recordDigest(to.self, digest); // what the peer holds: drains the local log
    let sent = 0;
    let next;
    do {
      const page = from.store.missing(digest, { maxEvents: 256, ...(next ? { after: next } : {}) });
      for (const bytes of page.events) to.field.receiveBytes(bytes);
      sent += page.events.length;
      next = page.next;
    } while (next !== undefined);
    return sent;
  };
  expect(exchange(a, b)).toBe(2); // "hi bob", "are you there?"
  expect(a.outbox.pendingSeqs()).toEqual([2, 3]); // Bob's digest held seq 1 only
  expect(exchange(b, a)).toBe(0);
  expect(b.outbox.size).toBe(0);
  expect(exchange(a, b)).toBe(0); // Bob's new digest acknowledges everything
  expect(JSON.stringify(a.field.snapshot())).toBe(JSON.stringify(b.field.snapshot()));
  expect(a.local.nextSeq()).toBe(4);
  // Alice's local log drained once Bob's digest showed he holds her events.
  expect(a.outbox.size).toBe(0);
  expect(a.acks.ackedByAll(alice)).toBe(3);
  expect(b.log.members().map((m) => m.id)).toEqual([bob, alice]); // by id
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { propertyRuns } from '@elara/test-env';
import {
  type DurableEnvelope,
  endpoint,
  EventType,
  type NodeId,
  OutOfRangeError,
} from '@elara/core';
import {
  authorityChangeMutation,
  AuthorityScope,
  decodeMembershipEntry,
  encodeMembershipEntry,
  MalformedMembershipEntryError,
  MemberRole,
  type MembershipEntry,
  MembershipLog,
  type MembershipLogConfig,
  membershipMutation,
  Outcome,
  rejected,
  DeltaLaw,
} from '../src/index.ts';
import { atomId, bytes, makeField, node, toySigner, Writer } from './helpers.ts';
import {
  addEntry,
  chatEvent,
  CHAT,
  entryEvent,
  idOf,
  keysOf,
  membershipReplica,
  toyCheckKeys,
  toyKeyVerify,
} from './replication-helpers.ts';
import { StateType } from '@elara/core';

const F = node(1);
const A = node(2);
const B = node(3);
const M = node(4);
const X = node(5);
const O = node(6);
const S = node(9);
const SELF = node(50);

const UNAUTHORIZED = rejected('Unauthorized');
const MALFORMED = rejected('MalformedPayload');

describe('membership entries', () => {
  it('round-trip add, remove and role entries', () => {
    const entries: MembershipEntry[] = [
      addEntry(X, MemberRole.Admin),
      {
        op: 'add',
        member: X,
        role: MemberRole.Observer,
        ...keysOf(X),
        addresses: [endpoint('2001:db8::1', 9), endpoint('fe80::1%eth0', 65535)],
      },
      { op: 'remove', member: X },
      { op: 'role', member: X, role: MemberRole.Owner },
    ];
    for (const e of entries) expect(decodeMembershipEntry(encodeMembershipEntry(e))).toEqual(e);
  });

  it('refuse every truncation, trailing bytes, unknown ops and roles, and bad addresses', () => {
    const good = encodeMembershipEntry(addEntry(X));
    for (let n = 0; n < good.length; n++) {
      expect(() => decodeMembershipEntry(good.subarray(0, n))).toThrow(
        MalformedMembershipEntryError,
      );
    }
    const trailing = new Uint8Array(good.length + 1);
    trailing.set(good);
    expect(() => decodeMembershipEntry(trailing)).toThrow(MalformedMembershipEntryError);
    const op = good.slice();
    op[0] = 9;
    expect(() => decodeMembershipEntry(op)).toThrow(MalformedMembershipEntryError);
    const role = good.slice();
    role[9] = 4;
    expect(() => decodeMembershipEntry(role)).toThrow(MalformedMembershipEntryError);
    // the address literal: "192.0.2.1" → "192.0.2.x"
    const address = good.slice();
    address[address.length - 1] = 0x78;
    expect(() => decodeMembershipEntry(address)).toThrow(MalformedMembershipEntryError);
    const zeroPort = good.slice();
    zeroPort[good.length - 9 - 3] = 0;
    zeroPort[good.length - 9 - 2] = 0;
    expect(() => decodeMembershipEntry(zeroPort)).toThrow(MalformedMembershipEntryError);
    expect(() => decodeMembershipEntry(good, 0)).toThrow(MalformedMembershipEntryError);
  });

  it('refuse to encode short keys, non-literal addresses and too many addresses', () => {
    const e = addEntry(X);
    expect(() =>
      encodeMembershipEntry({ ...e, signingPublicKey: new Uint8Array(31) } as MembershipEntry),
    ).toThrow(MalformedMembershipEntryError);
    expect(() =>
      encodeMembershipEntry({ ...e, addresses: [endpoint('example.org', 1)] } as MembershipEntry),
    ).toThrow(MalformedMembershipEntryError);
    const many = Array.from({ length: 9 }, (_, i) => endpoint('192.0.2.1', i + 1));
    expect(() => encodeMembershipEntry({ ...e, addresses: many } as MembershipEntry)).toThrow(
      MalformedMembershipEntryError,
    );
  });

  it('never throw anything but the named error on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (data) => {
        try {
          decodeMembershipEntry(data);
        } catch (e) {
          expect(MalformedMembershipEntryError.isInstance(e)).toBe(true);
        }
      }),
      { numRuns: propertyRuns(500, 5_000) },
    );
  });
});

/** F (founder) adds admins A and B and member M; returns the writers and the setup events. */
function founded() {
  const r = membershipReplica(SELF, F, { verifier: true });
  const w = { F: new Writer(F), A: new Writer(A), B: new Writer(B), M: new Writer(M) };
  const a = entryEvent(w.F, r.log, addEntry(A, MemberRole.Admin));
  const b = entryEvent(w.F, r.log, addEntry(B, MemberRole.Admin));
  // m follows b (and a, F's earlier seq): whatever follows m sees A and B as admins
  const m = entryEvent(w.A, r.log, addEntry(M), [idOf(b)]);
  for (const e of [a, b, m]) expect(r.field.receive(e)).toEqual(Outcome.Applied);
  return { ...r, w, setup: { a, b, m } };
}

describe('membership authorisation', () => {
  it('the founder is an owner from the start; admins add members', () => {
    const { log } = founded();
    expect(log.members().map((m) => [m.id, m.role])).toEqual([
      [F, MemberRole.Owner],
      [A, MemberRole.Admin],
      [B, MemberRole.Admin],
      [M, MemberRole.Member],
    ]);
    expect(log.member(M)?.addresses).toEqual([endpoint('192.0.2.1', 4000 + Number(M & 0xffn))]);
    expect(log.member(M)?.signingPublicKey).toEqual(keysOf(M).signingPublicKey);
    expect(log.isMember(M)).toBe(true);
    expect(log.isMember(S)).toBe(false);
  });

  it('only owners and admins add, remove and re-role; admins only members and observers', () => {
    const { field, log, w, setup } = founded();
    const after = [idOf(setup.m)];
    // A member cannot add anyone.
    expect(field.receive(entryEvent(w.M, log, addEntry(X), after))).toEqual(UNAUTHORIZED);
    // An admin cannot make an admin or an owner, nor touch another admin.
    expect(field.receive(entryEvent(w.A, log, addEntry(X, MemberRole.Admin), after))).toEqual(
      UNAUTHORIZED,
    );
    expect(
      field.receive(entryEvent(w.A, log, { op: 'role', member: M, role: MemberRole.Owner }, after)),
    ).toEqual(UNAUTHORIZED);
    expect(field.receive(entryEvent(w.A, log, { op: 'remove', member: B }, after))).toEqual(
      UNAUTHORIZED,
    );
    expect(
      field.receive(
        entryEvent(w.A, log, { op: 'role', member: B, role: MemberRole.Member }, after),
      ),
    ).toEqual(UNAUTHORIZED);
    // Nobody touches the founder, not even an owner.
    expect(field.receive(entryEvent(w.A, log, { op: 'remove', member: F }, after))).toEqual(
      UNAUTHORIZED,
    );
    // Removing or re-roling a non-member is refused.
    expect(field.receive(entryEvent(w.A, log, { op: 'remove', member: X }, after))).toEqual(
      UNAUTHORIZED,
    );
    // A stranger cannot write the log at all: no key verifies its events.
    expect(field.receive(entryEvent(new Writer(S), log, addEntry(S, MemberRole.Owner)))).toEqual(
      rejected('BadSignature'),
    );
    // What an admin may do: add an observer, demote a member to observer.
    expect(field.receive(entryEvent(w.A, log, addEntry(O, MemberRole.Observer), after))).toEqual(
      Outcome.Applied,
    );
    expect(
      field.receive(
        entryEvent(w.A, log, { op: 'role', member: M, role: MemberRole.Observer }, after),
      ),
    ).toEqual(Outcome.Applied);
    expect(log.role(M)).toBe(MemberRole.Observer);
    // Refused entries consumed their seqs: the founder's chain goes on.
    const promote = entryEvent(w.F, log, { op: 'role', member: A, role: MemberRole.Owner });
    expect(field.receive(promote)).toEqual(Outcome.Applied);
    // Now an owner, A may remove admin B and touch owners' roles.
    expect(
      field.receive(entryEvent(w.A, log, { op: 'remove', member: B }, [idOf(promote)])),
    ).toEqual(Outcome.Applied);
    expect(log.members().map((m) => m.id)).toEqual([F, A, M, O]);
    expect(field.counters().rejected.Unauthorized).toBe(7);
  });

  it('anyone but the founder may leave, observers too; observers write nothing else', () => {
    const { field, log, w, setup } = founded();
    const o = entryEvent(w.A, log, addEntry(O, MemberRole.Observer), [idOf(setup.m)]);
    expect(field.receive(o)).toEqual(Outcome.Applied);
    const wo = new Writer(O);
    expect(field.receive(chatEvent(wo, 1, [idOf(o)]))).toEqual(UNAUTHORIZED);
    expect(field.receive(entryEvent(wo, log, addEntry(X), [idOf(o)]))).toEqual(UNAUTHORIZED);
    expect(log.inSession(O)).toBe(true);
    expect(log.isMember(O)).toBe(false);
    expect(field.receive(entryEvent(wo, log, { op: 'remove', member: O }, [idOf(o)]))).toEqual(
      Outcome.Applied,
    );
    expect(log.inSession(O)).toBe(false);
    expect(
      field.receive(entryEvent(w.M, log, { op: 'remove', member: M }, [idOf(setup.m)])),
    ).toEqual(Outcome.Applied);
    expect(log.inSession(M)).toBe(false);
    expect(field.receive(entryEvent(w.F, log, { op: 'remove', member: F }))).toEqual(UNAUTHORIZED);
  });

  it('refuses entries that do not parse, carry the wrong event type, or keys checkKeys refuses', () => {
    const r = membershipReplica(SELF, F);
    const wf = new Writer(F);
    expect(
      r.field.receive(
        wf.durable(
          r.log.atom,
          { type: 'append', data: bytes(1, 2) },
          {
            eventType: EventType.SessionJoin,
          },
        ),
      ),
    ).toEqual(MALFORMED);
    expect(
      r.field.receive(
        wf.durable(r.log.atom, membershipMutation(addEntry(X)), {
          eventType: EventType.SessionLeave,
        }),
      ),
    ).toEqual(MALFORMED);
    // keys of someone else
    const forged = { ...addEntry(X), ...keysOf(M) };
    expect(r.field.receive(entryEvent(wf, r.log, forged))).toEqual(MALFORMED);
    expect(r.field.receive(entryEvent(wf, r.log, addEntry(X)))).toEqual(Outcome.Applied);
    expect(r.log.size).toBe(1);
  });

  it('refuses an entry whose causal past holds maxEntries entries (counted)', () => {
    const r = membershipReplica(SELF, F, { maxEntries: 2 });
    const wf = new Writer(F);
    expect(r.field.receive(entryEvent(wf, r.log, addEntry(A)))).toEqual(Outcome.Applied);
    expect(r.field.receive(entryEvent(wf, r.log, addEntry(B)))).toEqual(Outcome.Applied);
    expect(r.field.receive(entryEvent(wf, r.log, addEntry(M)))).toEqual(
      rejected('TooManyAuthorityChanges'),
    );
    expect(r.log.size).toBe(2);
    expect(r.log.isMember(M)).toBe(false);
  });

  it('verifies events with the keys the log holds', () => {
    const { log } = founded();
    const verify = log.verifier(toyKeyVerify);
    const message = new Uint8Array([1, 2, 3]);
    expect(verify(M, message, toySigner(M)(message))).toBe(true);
    expect(verify(F, message, toySigner(F)(message))).toBe(true);
    expect(verify(M, message, toySigner(A)(message))).toBe(false);
    expect(verify(S, message, toySigner(S)(message))).toBe(false);
  });
});

describe('removal', () => {
  it("refuses a removed member's events that follow the removal causally, keeps concurrent ones", () => {
    const r = founded();
    const { w, setup } = r;
    const own = atomId(30); // an atom M owns: removal applies there too
    const c1 = chatEvent(w.M, 1, [idOf(setup.m)]);
    const remove = entryEvent(w.A, r.log, { op: 'remove', member: M }, [idOf(c1)]);
    const concurrent = chatEvent(w.M, 2); // M had not seen the removal
    const afterIt = chatEvent(w.M, 3, [idOf(remove)]);
    const ownAfter = w.M.durable(own, { type: 'set', data: bytes(9) }, { deps: [idOf(remove)] });
    const orders = [
      [c1, remove, concurrent, afterIt, ownAfter],
      [ownAfter, afterIt, concurrent, remove, c1],
      [concurrent, c1, ownAfter, remove, afterIt],
    ];
    const snapshots = orders.map((order) => {
      const replica = membershipReplica(SELF, F);
      replica.field.define(own, {
        stateType: StateType.Core,
        law: DeltaLaw.lww(),
        authority: { owners: [M] },
      });
      for (const e of [setup.a, setup.b, setup.m, ...order]) replica.field.receive(e);
      expect(replica.field.counters().rejected.Unauthorized).toBe(2);
      expect(replica.log.isMember(M)).toBe(false);
      expect(replica.log.isMemberAt(M, idOf(c1))).toBe(true);
      expect(replica.log.isMemberAt(M, idOf(concurrent))).toBe(true);
      expect(replica.log.isMemberAt(M, idOf(remove))).toBe(false);
      expect(replica.log.roleAt(M, idOf(setup.m))).toBe(MemberRole.Member);
      return JSON.stringify(replica.field.snapshot());
    });
    expect(new Set(snapshots).size).toBe(1);
    const chat = JSON.parse(snapshots[0] as string) as { atoms: { id: string; value: unknown }[] };
    const log = chat.atoms.find((a) => BigInt(a.id) === CHAT)?.value as unknown[];
    expect(log).toHaveLength(2); // c1 and the concurrent message
  });

  it('remove wins over a concurrent role change; the lowest of concurrent roles wins; a later add re-admits', () => {
    const r = founded();
    const { w, setup } = r;
    const after = [idOf(setup.m)];
    const remove = entryEvent(w.A, r.log, { op: 'remove', member: M }, after);
    const promote = entryEvent(
      w.B,
      r.log,
      { op: 'role', member: M, role: MemberRole.Member },
      after,
    );
    for (const e of [promote, remove]) expect(r.field.receive(e)).toEqual(Outcome.Applied);
    expect(r.log.inSession(M)).toBe(false);
    const readd = entryEvent(w.B, r.log, addEntry(M, MemberRole.Member), [idOf(remove)]);
    expect(r.field.receive(readd)).toEqual(Outcome.Applied);
    expect(r.log.role(M)).toBe(MemberRole.Member);
    const demote = entryEvent(w.A, r.log, { op: 'role', member: M, role: MemberRole.Observer }, [
      idOf(readd),
    ]);
    const keep = entryEvent(w.F, r.log, { op: 'role', member: M, role: MemberRole.Admin }, [
      idOf(readd),
    ]);
    for (const e of [keep, demote]) expect(r.field.receive(e)).toEqual(Outcome.Applied);
    expect(r.log.role(M)).toBe(MemberRole.Observer);
    expect(r.log.isMemberAt(M, idOf(keep))).toBe(true);
    expect(r.log.roleAt(M, idOf(keep))).toBe(MemberRole.Admin);
  });
});

/** One random membership history: F, admins A and B, and X, joined, removed, re-roled, writing. */
const STEP = fc.record({
  by: fc.constantFrom('F', 'A', 'B', 'X'),
  op: fc.constantFrom('add', 'remove', 'role', 'chat'),
  role: fc.constantFrom(MemberRole.Observer, MemberRole.Member, MemberRole.Admin),
  deps: fc.array(fc.nat(), { maxLength: 3 }),
});

describe('concurrent membership changes', () => {
  it('resolve identically on every replica, whatever the delivery order', () => {
    fc.assert(
      fc.property(
        fc.array(STEP, { minLength: 3, maxLength: 14 }),
        fc.array(fc.array(fc.nat(), { minLength: 40, maxLength: 40 }), {
          minLength: 5,
          maxLength: 5,
        }),
        (steps, orders) => {
          const writers = new Map<string, Writer>([
            ['F', new Writer(F)],
            ['A', new Writer(A)],
            ['B', new Writer(B)],
            ['X', new Writer(X)],
          ]);
          const setupLog = { atom: membershipReplica(SELF, F).log.atom };
          const a = entryEvent(writers.get('F') as Writer, setupLog, addEntry(A, MemberRole.Admin));
          const b = entryEvent(writers.get('F') as Writer, setupLog, addEntry(B, MemberRole.Admin));
          // every step names x, which follows a and b: it starts from a founded session
          const x = entryEvent(writers.get('A') as Writer, setupLog, addEntry(X), [idOf(b)]);
          const events: DurableEnvelope[] = [a, b, x];
          for (const s of steps) {
            const w = writers.get(s.by) as Writer;
            const deps = new Map<NodeId, number>();
            if (w.author !== A) deps.set(A, x.seq);
            for (const d of s.deps) {
              const e = events[d % events.length] as DurableEnvelope;
              if (e.author === w.author) continue;
              deps.set(e.author, Math.max(deps.get(e.author) ?? 0, e.seq));
            }
            const ids = [...deps].map(([author, seq]) => ({ author, seq }));
            const entry: MembershipEntry =
              s.op === 'add'
                ? addEntry(X, s.role, events.length)
                : s.op === 'remove'
                  ? { op: 'remove', member: X }
                  : { op: 'role', member: X, role: s.role };
            events.push(
              s.op === 'chat'
                ? chatEvent(w, events.length, ids)
                : entryEvent(w, setupLog, entry, ids),
            );
          }
          const results = orders.map((order) => {
            const r = membershipReplica(SELF, F);
            // a random permutation with duplicates
            const keyed = events.map((e, i) => ({ e, k: order[i % order.length] ?? 0 }));
            keyed.sort((p, q) => p.k - q.k);
            for (const { e } of keyed) r.field.receive(e);
            for (const { e } of keyed.slice(0, 3)) r.field.receive(e);
            expect(r.field.quarantineStats().events).toBe(0);
            return JSON.stringify([
              r.field.snapshot(),
              r.log.snapshot(),
              r.field.counters().rejected,
            ]);
          });
          expect(new Set(results).size).toBe(1);
        },
      ),
      { numRuns: propertyRuns(150, 2_000) },
    );
  });
});

describe('dependencyFor', () => {
  it("names the admitting entry until the member's chain follows it", () => {
    const r = founded();
    const { w, setup } = r;
    expect(r.log.dependencyFor(M, 0)).toEqual(idOf(setup.m));
    const first = chatEvent(w.M, 1, [idOf(setup.m)]);
    expect(r.field.receive(first)).toEqual(Outcome.Applied);
    expect(r.log.dependencyFor(M, first.seq)).toBeUndefined();
    expect(r.log.dependencyFor(F, 0)).toBeUndefined();
    expect(r.log.dependencyFor(S, 0)).toBeUndefined();
  });
});

/** Every permutation of `xs` (small lists only). */
function permutations<T>(xs: readonly T[]): T[][] {
  if (xs.length <= 1) return [[...xs]];
  return xs.flatMap((x, i) =>
    permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]),
  );
}

/** Delivers `events` in every order that keeps each author's chain; returns the distinct results. */
function everyOrder(
  setup: readonly DurableEnvelope[],
  events: readonly DurableEnvelope[],
  check: (r: ReturnType<typeof membershipReplica>) => void,
  options: Parameters<typeof membershipReplica>[2] = {},
): Set<string> {
  const results = new Set<string>();
  for (const order of permutations(events)) {
    const r = membershipReplica(SELF, F, options);
    for (const e of [...setup, ...order]) r.field.receive(e);
    expect(r.field.quarantineStats().events).toBe(0);
    check(r);
    results.add(
      JSON.stringify([r.field.snapshot(), r.log.snapshot(), r.field.counters().rejected]),
    );
  }
  return results;
}

describe('membership: removals cut what the removed signer did concurrently', () => {
  it('a removed admin that leaves its removal out of its dependencies admits nobody', () => {
    const w = { F: new Writer(F), A: new Writer(A), X: new Writer(X) };
    const log = { atom: membershipReplica(SELF, F).log.atom };
    const a = entryEvent(w.F, log, addEntry(A, MemberRole.Admin));
    const rm = entryEvent(w.F, log, { op: 'remove', member: A });
    const puppet = entryEvent(w.A, log, addEntry(X), [idOf(a)]); // omits rm
    const another = entryEvent(w.A, log, addEntry(M)); // A's chain: still not rm
    const xWrites = chatEvent(w.X, 1, [idOf(puppet)]);
    const results = everyOrder([a], [rm, puppet, another, xWrites], (r) => {
      expect(r.log.members().map((m) => m.id)).toEqual([F]);
      expect(r.log.inSession(X)).toBe(false);
      expect(r.log.isMember(M)).toBe(false);
      expect(r.log.dependencyFor(X, 0)).toBeUndefined();
      // What remains (README): events judged in a past without the removal stay valid, alike
      // on every replica; the membership now no longer admits their authors.
      expect(r.log.isMemberAt(X, idOf(xWrites))).toBe(true);
    });
    expect(results.size).toBe(1);
  });

  it("a removed admin's backdated removal of a member takes no effect", () => {
    const w = { F: new Writer(F), A: new Writer(A) };
    const log = { atom: membershipReplica(SELF, F).log.atom };
    const a = entryEvent(w.F, log, addEntry(A, MemberRole.Admin));
    const m = entryEvent(w.A, log, addEntry(M), [idOf(a)]);
    const rm = entryEvent(w.F, log, { op: 'remove', member: A }, [idOf(m)]);
    const kick = entryEvent(w.A, log, { op: 'remove', member: M }); // A's chain omits rm
    const results = everyOrder([a, m], [rm, kick], (r) => {
      expect(r.log.members().map((x) => x.id)).toEqual([F, M]);
    });
    expect(results.size).toBe(1);
  });

  it('two owners removing each other concurrently both leave (remove wins)', () => {
    const w = { F: new Writer(F), A: new Writer(A), B: new Writer(B) };
    const log = { atom: membershipReplica(SELF, F).log.atom };
    const a = entryEvent(w.F, log, addEntry(A, MemberRole.Owner));
    const b = entryEvent(w.F, log, addEntry(B, MemberRole.Owner));
    const aRemovesB = entryEvent(w.A, log, { op: 'remove', member: B }, [idOf(b)]);
    const bRemovesA = entryEvent(w.B, log, { op: 'remove', member: A }, [idOf(b)]);
    const bAdds = entryEvent(w.B, log, addEntry(X)); // after its removal of A, concurrent with A's
    const results = everyOrder([a, b], [aRemovesB, bRemovesA, bAdds], (r) => {
      expect(r.log.members().map((x) => x.id)).toEqual([F]);
    });
    expect(results.size).toBe(1);
  });

  it("an add signed concurrently with its signer's removal is cut; after a re-add it counts", () => {
    const r = membershipReplica(SELF, F);
    const w = { F: new Writer(F), A: new Writer(A) };
    const a = entryEvent(w.F, r.log, addEntry(A, MemberRole.Admin));
    const rm = entryEvent(w.F, r.log, { op: 'remove', member: A });
    const honest = entryEvent(w.A, r.log, addEntry(X), [idOf(a)]); // A had not seen rm
    for (const e of [a, honest, rm]) expect(r.field.receive(e)).toEqual(Outcome.Applied);
    expect(r.log.inSession(X)).toBe(false);
    const again = entryEvent(w.F, r.log, addEntry(A, MemberRole.Admin), [idOf(honest)]);
    const later = entryEvent(w.A, r.log, addEntry(M), [idOf(again)]);
    for (const e of [again, later]) expect(r.field.receive(e)).toEqual(Outcome.Applied);
    expect(r.log.members().map((x) => x.id)).toEqual([F, A, M]);
  });
});

describe('membership: bounds', () => {
  it('at the entry bound, concurrent entries resolve alike on every replica', () => {
    const w = { F: new Writer(F), A: new Writer(A), B: new Writer(B) };
    const log = { atom: membershipReplica(SELF, F).log.atom };
    const a = entryEvent(w.F, log, addEntry(A, MemberRole.Admin));
    const b = entryEvent(w.F, log, addEntry(B, MemberRole.Admin));
    const ax = entryEvent(w.A, log, addEntry(X), [idOf(b)]);
    const by = entryEvent(w.B, log, addEntry(O), [idOf(b)]);
    const third = entryEvent(w.A, log, addEntry(M), [idOf(by)]); // 4 in its past
    const results = everyOrder(
      [a, b],
      [ax, by, third],
      (r) => {
        expect(r.log.members().map((m) => m.id)).toEqual([F, A, B, X, O]);
        expect(r.field.counters().rejected.TooManyAuthorityChanges).toBe(1);
      },
      { maxEntries: 3, ownerReserve: 0, maxEntriesPerSigner: 3 },
    );
    expect(results.size).toBe(1);
  });

  it('an admin cannot fill the log: per-signer cap, owner headroom, own tracker budget', () => {
    const r = membershipReplica(SELF, F, {
      maxEntries: 10,
      ownerReserve: 3,
      maxEntriesPerSigner: 4,
      limits: { maxAuthorityChanges: 4 },
    });
    const DOC = atomId(77);
    r.field.define(DOC, {
      stateType: StateType.Core,
      law: DeltaLaw.lww(),
      authority: { owners: [F] },
    });
    const w = { F: new Writer(F), A: new Writer(A), B: new Writer(B) };
    const a = entryEvent(w.F, r.log, addEntry(A, MemberRole.Admin));
    const b = entryEvent(w.F, r.log, addEntry(B, MemberRole.Admin));
    for (const e of [a, b]) expect(r.field.receive(e)).toEqual(Outcome.Applied);
    let last = idOf(b);
    const spam = (wr: Writer, n: number): string[] =>
      Array.from({ length: n }, (_, i) => {
        const entry: MembershipEntry =
          i % 2 === 0 ? addEntry(O, MemberRole.Observer) : { op: 'remove', member: O };
        const e = entryEvent(wr, r.log, entry, [last]);
        const status = r.field.receive(e).status;
        if (status === 'applied') last = idOf(e);
        return status;
      });
    // A: its cap of 4 applied, then refused
    expect(spam(w.A, 6)).toEqual([
      'applied',
      'applied',
      'applied',
      'applied',
      'rejected',
      'rejected',
    ]);
    // B, after A's: 6 entries in the past, so only one more below maxEntries − ownerReserve
    expect(spam(w.B, 3)).toEqual(['applied', 'rejected', 'rejected']);
    expect(r.log.size).toBe(7);
    // the founder still removes A (its headroom), and still grants on any atom
    const rmA = entryEvent(w.F, r.log, { op: 'remove', member: A }, [last]);
    expect(r.field.receive(rmA)).toEqual(Outcome.Applied);
    expect(r.log.role(A)).toBeUndefined();
    const grant = w.F.durable(
      DOC,
      authorityChangeMutation({ grant: true, node: B, scope: AuthorityScope.Full }),
      { eventType: EventType.AuthorityGrant },
    );
    expect(r.field.receive(grant)).toEqual(Outcome.Applied);
    // up to maxEntries in the past for owners
    expect(r.field.receive(entryEvent(w.F, r.log, addEntry(X)))).toEqual(Outcome.Applied);
    expect(r.field.receive(entryEvent(w.F, r.log, addEntry(M)))).toEqual(Outcome.Applied);
    expect(r.field.receive(entryEvent(w.F, r.log, addEntry(S)))).toEqual(
      rejected('TooManyAuthorityChanges'),
    );
  });

  it('judges a member with many entries in O(log entries) causal look-ups', () => {
    const lookups = (k: number): number => {
      const log = new MembershipLog({
        founder: { id: F, ...keysOf(F) },
        checkKeys: toyCheckKeys,
        maxEntries: 4_096,
      });
      let calls = 0;
      const attach = log.attach.bind(log);
      log.attach = (past) =>
        attach((author, seq, id) => {
          calls++;
          return past(author, seq, id);
        });
      const { field } = makeField(SELF, { membership: log, observers: [log] });
      field.define(log.atom, log.atomSpec());
      field.define(CHAT, {
        stateType: StateType.Core,
        law: DeltaLaw.appendLog(),
        authority: { owners: [F], members: AuthorityScope.Append },
      });
      const wf = new Writer(F);
      let last = entryEvent(wf, log, addEntry(M));
      field.receive(last);
      for (let i = 1; i < k; i++) {
        last = entryEvent(wf, log, { op: 'role', member: M, role: MemberRole.Member });
        expect(field.receive(last)).toEqual(Outcome.Applied);
      }
      calls = 0;
      expect(field.receive(chatEvent(new Writer(M), 1, [idOf(last)]))).toEqual(Outcome.Applied);
      expect(log.members()).toHaveLength(2);
      return calls;
    };
    const few = lookups(16);
    const many = lookups(1_024);
    expect(many).toBeLessThan(64);
    expect(many).toBeLessThanOrEqual(few + 2 * Math.log2(1_024 / 16) + 2);
  });
});

describe('membership: keys, observers, joiners', () => {
  it('never re-keys a member in the session; a removed one may come back with new keys', () => {
    const { field, log, w, setup } = founded();
    const rekey = entryEvent(w.F, log, addEntry(M, MemberRole.Member, 1), [idOf(setup.m)]);
    expect(field.receive(rekey)).toEqual(UNAUTHORIZED);
    // the same keys: a re-role or re-address is fine
    expect(
      field.receive(entryEvent(w.F, log, addEntry(M, MemberRole.Observer), [idOf(setup.m)])),
    ).toEqual(Outcome.Applied);
    const rm = entryEvent(w.F, log, { op: 'remove', member: M });
    expect(field.receive(rm)).toEqual(Outcome.Applied);
    expect(field.receive(entryEvent(w.F, log, addEntry(M, MemberRole.Member, 1)))).toEqual(
      Outcome.Applied,
    );
    expect(log.member(M)?.signingPublicKey).toEqual(keysOf(M, 1).signingPublicKey);
    // keys of another node fail checkKeys
    expect(field.receive(entryEvent(w.F, log, { ...addEntry(X), ...keysOf(S) }))).toEqual(
      MALFORMED,
    );
  });

  it('requires checkKeys', () => {
    expect(
      () =>
        new MembershipLog({ founder: { id: F, ...keysOf(F) } } as unknown as MembershipLogConfig),
    ).toThrow(OutOfRangeError);
  });

  it('refuses every durable event of an observer but its leaving, on owned and granted atoms too', () => {
    const { field, log, w, setup } = founded();
    const own = atomId(30);
    field.define(own, {
      stateType: StateType.Core,
      law: DeltaLaw.lww(),
      authority: { owners: [M] },
    });
    const grant = w.F.durable(
      CHAT,
      authorityChangeMutation({ grant: true, node: M, scope: AuthorityScope.Full }),
      { eventType: EventType.AuthorityGrant },
    );
    const demote = entryEvent(w.F, log, { op: 'role', member: M, role: MemberRole.Observer }, [
      idOf(setup.m),
    ]);
    for (const e of [grant, demote]) expect(field.receive(e)).toEqual(Outcome.Applied);
    const after = [idOf(demote)];
    expect(
      field.receive(w.M.durable(own, { type: 'set', data: bytes(1) }, { deps: after })),
    ).toEqual(UNAUTHORIZED);
    expect(field.receive(chatEvent(w.M, 2))).toEqual(UNAUTHORIZED);
    const leave = entryEvent(w.M, log, { op: 'remove', member: M });
    expect(field.receive(leave)).toEqual(Outcome.Applied);
    expect(log.inSession(M)).toBe(false);
  });

  it("lets a joiner's first event wait for the entry that adds its key, verified then", () => {
    const r = membershipReplica(SELF, F, { verifier: true, observers: [] });
    const add = entryEvent(new Writer(F), r.log, addEntry(B));
    const hi = chatEvent(new Writer(B), 1, [idOf(add)]);
    expect(r.field.receive(hi)).toEqual(Outcome.Quarantined);
    expect(r.field.receive(add)).toEqual(Outcome.Applied);
    expect(r.field.processedOf(B)).toBe(1);
    expect(r.field.receive(hi)).toEqual(Outcome.Duplicate);
  });

  it('drops a forgery that waited for an unknown key, consuming nothing; bounded', () => {
    const r = membershipReplica(SELF, F, { verifier: true, limits: { quarantinePerAuthor: 2 } });
    const wf = new Writer(F);
    const add = entryEvent(wf, r.log, addEntry(B));
    const genuine = chatEvent(new Writer(B), 1, [idOf(add)]);
    const forged = { ...genuine, mutation: { type: 'append' as const, data: bytes(0x66) } };
    expect(r.field.receive(forged)).toEqual(Outcome.Quarantined);
    expect(r.field.receive(add)).toEqual(Outcome.Applied);
    expect(r.field.counters().rejected.BadSignature).toBe(1);
    expect(r.field.processedOf(B)).toBe(0);
    expect(r.field.quarantineStats().events).toBe(0);
    expect(r.field.receive(genuine)).toEqual(Outcome.Applied);
    // at most one author's quarantine share of unverified events; beyond, refused at once
    const later = entryEvent(wf, r.log, addEntry(X)); // not here yet
    const waits = [1, 2, 3].map((i) => chatEvent(new Writer(node(60 + i)), i, [idOf(later)]));
    expect(waits.map((e) => r.field.receive(e).status)).toEqual([
      'quarantined',
      'quarantined',
      'rejected',
    ]);
  });
});

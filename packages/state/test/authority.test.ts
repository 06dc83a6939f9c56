import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { propertyRuns } from '@elara/test-env';
import { type EventId, EventType, StateType } from '@elara/core';
import {
  AtomAuthority,
  AtomOp,
  AuthorityScope,
  authorityChangeEventType,
  authorityChangeMutation,
  type AuthorityChange,
  type CausalContext,
  CausalTracker,
  decodeAuthorityChange,
  DeltaLaw,
  type MembershipSource,
  Outcome,
  rejected,
  scopeAllows,
  scopeIncludes,
  setOpMutation,
  staticMembership,
} from '../src/index.ts';
import { atomId, bytes, makeField, node, Writer } from './helpers.ts';

const OWNER = node(1);
const DELEGATE = node(2);
const MEMBER = node(3);
const OUTSIDER = node(9);
const OBSERVER = node(7);
const CHAT = atomId(10);
const TAGS = atomId(11);

function setup(membership?: MembershipSource) {
  const { field } = makeField(OBSERVER, {
    membership: membership ?? staticMembership([OWNER, DELEGATE, MEMBER, OBSERVER]),
  });
  field.define(CHAT, {
    stateType: StateType.Core,
    law: DeltaLaw.appendLog(),
    authority: {
      owners: [OWNER],
      delegates: [{ node: DELEGATE, scope: AuthorityScope.Append }],
    },
  });
  field.define(TAGS, {
    stateType: StateType.Core,
    law: DeltaLaw.addWinsSet(),
    authority: { owners: [OWNER], members: AuthorityScope.Append },
  });
  return field;
}
const append = (x: number) => ({ type: 'append' as const, data: bytes(x) });
function change(w: Writer, target: typeof CHAT, c: AuthorityChange, deps: EventId[] = []) {
  return w.durable(target, authorityChangeMutation(c), {
    eventType: authorityChangeEventType(c),
    deps,
  });
}

describe('scopes', () => {
  it('follow the reference: Full allows all, Append append only, ReadOnly nothing, custom subset', () => {
    expect(scopeAllows(AuthorityScope.Full, AtomOp.Remove)).toBe(true);
    expect(scopeAllows(AuthorityScope.Append, AtomOp.Append)).toBe(true);
    expect(scopeAllows(AuthorityScope.Append, AtomOp.Set)).toBe(false);
    expect(scopeAllows(AuthorityScope.ReadOnly, AtomOp.Append)).toBe(false);
    expect(scopeIncludes(AtomOp.Append | AtomOp.Remove, AtomOp.Remove)).toBe(true);
    expect(scopeIncludes(AtomOp.Append, AtomOp.Append | AtomOp.Remove)).toBe(false);
  });

  it('authority changes round-trip and refuse junk', () => {
    const grant: AuthorityChange = { grant: true, node: DELEGATE, scope: AuthorityScope.Append };
    expect(decodeAuthorityChange(EventType.AuthorityGrant, authorityChangeMutation(grant))).toEqual(
      grant,
    );
    const revoke: AuthorityChange = { grant: false, node: DELEGATE };
    expect(
      decodeAuthorityChange(EventType.AuthorityRevoke, authorityChangeMutation(revoke)),
    ).toEqual(revoke);
    expect(() =>
      decodeAuthorityChange(EventType.AuthorityGrant, { type: 'set', data: bytes(1) }),
    ).toThrow();
    expect(() =>
      decodeAuthorityChange(EventType.AuthorityGrant, {
        type: 'set',
        data: new Uint8Array(9).fill(0xff),
      }),
    ).toThrow();
  });
});

describe('who may write', () => {
  it('an owner, a delegate within scope, a member: yes; a non-member: no', () => {
    const field = setup();
    const member = new Writer(MEMBER);
    expect(field.receive(new Writer(OWNER).durable(CHAT, append(1)))).toBe(Outcome.Applied);
    expect(field.receive(new Writer(DELEGATE).durable(CHAT, append(2)))).toBe(Outcome.Applied);
    expect(field.receive(member.durable(CHAT, append(3)))).toEqual(rejected('Unauthorized'));
    expect(field.receive(member.durable(TAGS, append(3)))).toBe(Outcome.Applied);
    expect(field.receive(new Writer(OUTSIDER).durable(TAGS, append(4)))).toEqual(
      rejected('Unauthorized'),
    );
    expect(field.counters().rejected.Unauthorized).toBe(2);
  });

  it('a delegate beyond its scope is refused as OutOfScope', () => {
    const field = setup();
    const remove = setOpMutation({ op: 'remove', element: bytes(3), observed: [] });
    expect(field.receive(new Writer(MEMBER).durable(TAGS, remove))).toEqual(rejected('OutOfScope'));
  });

  it('only owners change authority', () => {
    const field = setup();
    const w = new Writer(DELEGATE);
    const e = change(w, CHAT, { grant: true, node: MEMBER, scope: AuthorityScope.Full });
    expect(field.receive(e)).toEqual(rejected('Unauthorized'));
  });
});

describe('grants and revocations apply causally', () => {
  it("a revoked delegate's events after the revocation are refused; concurrent ones are kept", () => {
    const field = setup();
    const owner = new Writer(OWNER);
    const delegate = new Writer(DELEGATE);
    const before = delegate.durable(CHAT, append(1));
    const revoke = change(owner, CHAT, { grant: false, node: DELEGATE });
    expect(field.receive(revoke)).toBe(Outcome.Applied);
    // written before the delegate saw the revocation (does not depend on it): kept
    expect(field.receive(before)).toBe(Outcome.Applied);
    // written after seeing it
    const after = delegate.durable(CHAT, append(2), { deps: [{ author: OWNER, seq: 1 }] });
    expect(field.receive(after)).toEqual(rejected('Unauthorized'));
    // and every later event of the delegate follows it through its own chain
    expect(field.receive(delegate.durable(CHAT, append(3)))).toEqual(rejected('Unauthorized'));
  });

  it("the revocation reaches through other authors' events too", () => {
    const field = setup();
    const owner = new Writer(OWNER);
    const member = new Writer(MEMBER);
    const delegate = new Writer(DELEGATE);
    field.receive(change(owner, CHAT, { grant: false, node: DELEGATE }));
    field.receive(member.durable(TAGS, append(5), { deps: [{ author: OWNER, seq: 1 }] }));
    const e = delegate.durable(CHAT, append(1), { deps: [{ author: MEMBER, seq: 1 }] });
    expect(field.receive(e)).toEqual(rejected('Unauthorized'));
  });

  it('a grant gives its scope to events after it; a later grant replaces a revocation', () => {
    const field = setup();
    const owner = new Writer(OWNER);
    const member = new Writer(MEMBER);
    const grant = change(owner, CHAT, { grant: true, node: MEMBER, scope: AuthorityScope.Append });
    expect(field.receive(member.durable(CHAT, append(1)))).toEqual(rejected('Unauthorized'));
    field.receive(grant);
    expect(
      field.receive(member.durable(CHAT, append(2), { deps: [{ author: OWNER, seq: 1 }] })),
    ).toBe(Outcome.Applied);
    field.receive(change(owner, CHAT, { grant: false, node: MEMBER }));
    expect(
      field.receive(member.durable(CHAT, append(3), { deps: [{ author: OWNER, seq: 2 }] })),
    ).toEqual(rejected('Unauthorized'));
    field.receive(change(owner, CHAT, { grant: true, node: MEMBER, scope: AuthorityScope.Full }));
    expect(
      field.receive(member.durable(CHAT, append(4), { deps: [{ author: OWNER, seq: 3 }] })),
    ).toBe(Outcome.Applied);
    expect(field.snapshotAtom(CHAT)?.authority).toHaveLength(3);
  });

  it('a revocation concurrent with a grant wins', () => {
    const second = node(5);
    const { field } = makeField(OBSERVER, { membership: staticMembership([]) });
    field.define(CHAT, {
      stateType: StateType.Core,
      law: DeltaLaw.appendLog(),
      authority: { owners: [OWNER, second] },
    });
    const member = new Writer(MEMBER);
    // Two owners, neither aware of the other's change: the member saw both.
    field.receive(
      change(new Writer(OWNER), CHAT, { grant: true, node: MEMBER, scope: AuthorityScope.Full }),
    );
    field.receive(change(new Writer(second), CHAT, { grant: false, node: MEMBER }));
    const both = [
      { author: OWNER, seq: 1 },
      { author: second, seq: 1 },
    ];
    expect(field.receive(member.durable(CHAT, append(1), { deps: both }))).toEqual(
      rejected('Unauthorized'),
    );
    // Only the grant in its past: allowed.
    const other = new Writer(node(6));
    const { field: f2 } = makeField(OBSERVER);
    f2.define(CHAT, {
      stateType: StateType.Core,
      law: DeltaLaw.appendLog(),
      authority: { owners: [OWNER, second] },
    });
    f2.receive(
      change(new Writer(OWNER), CHAT, { grant: true, node: node(6), scope: AuthorityScope.Full }),
    );
    f2.receive(change(new Writer(second), CHAT, { grant: false, node: node(6) }));
    expect(f2.receive(other.durable(CHAT, append(1), { deps: [{ author: OWNER, seq: 1 }] }))).toBe(
      Outcome.Applied,
    );
  });

  it("members are judged by the membership source with the event's causal past", () => {
    const removal: EventId = { author: OWNER, seq: 1 };
    const membership: MembershipSource = {
      isMember: (n, context) => n === MEMBER && context?.contains(removal) !== true,
    };
    const field = setup(membership);
    const member = new Writer(MEMBER);
    expect(field.receive(member.durable(TAGS, append(1)))).toBe(Outcome.Applied);
    field.receive(new Writer(OWNER).durable(TAGS, append(9)));
    expect(field.receive(member.durable(TAGS, append(2), { deps: [removal] }))).toEqual(
      rejected('Unauthorized'),
    );
  });
});

describe('authority checks scale with owners, not with grant and revoke flips', () => {
  it('finds the latest change in the past by binary search over each owner chain', () => {
    const k = 4_096;
    const tracker = new CausalTracker(k);
    const authority = new AtomAuthority({ owners: [OWNER] });
    for (let seq = 1; seq <= k; seq++) {
      const id = { author: OWNER, seq };
      tracker.watch(id);
      const c: AuthorityChange =
        seq % 2 === 1
          ? { grant: true, node: DELEGATE, scope: AuthorityScope.Full }
          : { grant: false, node: DELEGATE };
      authority.record(id, c);
    }
    let lookups = 0;
    const pastUpTo = (last: number): CausalContext => ({
      contains: (id) => {
        lookups++;
        return id.author === OWNER && id.seq <= last;
      },
    });
    // the delegate's event saw the owner's changes up to seq s: grant when s is odd
    for (const s of [1, 2, 1_001, 2_048, k]) {
      lookups = 0;
      const scope = authority.scopeOf(DELEGATE, pastUpTo(s), tracker, undefined);
      expect(scope).toBe(s % 2 === 1 ? AuthorityScope.Full : AuthorityScope.ReadOnly);
      expect(lookups).toBeLessThanOrEqual(Math.ceil(Math.log2(k)) + 1);
    }
    expect(authority.scopeOf(DELEGATE, pastUpTo(0), tracker, undefined)).toBe(
      AuthorityScope.ReadOnly,
    );
    expect(authority.scopeOf(DELEGATE, undefined, tracker, undefined)).toBe(
      AuthorityScope.ReadOnly,
    );
  });

  it("several owners: each owner's latest change counts unless another follows it", () => {
    const O2 = node(4);
    const { field } = makeField(OBSERVER, { membership: staticMembership([OWNER, O2]) });
    field.define(CHAT, {
      stateType: StateType.Core,
      law: DeltaLaw.appendLog(),
      authority: { owners: [OWNER, O2] },
    });
    const o1 = new Writer(OWNER);
    const o2 = new Writer(O2);
    const d = new Writer(DELEGATE);
    const grant = { grant: true as const, node: DELEGATE, scope: AuthorityScope.Append };
    const revoke = { grant: false as const, node: DELEGATE };
    for (let i = 0; i < 50; i++) field.receive(change(o1, CHAT, i % 2 === 0 ? grant : revoke));
    // o1 ends on a revocation (seq 50); o2 grants after seeing it: the grant follows it
    field.receive(change(o2, CHAT, grant, [{ author: OWNER, seq: 50 }]));
    expect(field.receive(d.durable(CHAT, append(1), { deps: [{ author: O2, seq: 1 }] }))).toBe(
      Outcome.Applied,
    );
    // o1 grants then revokes concurrently with o2's grant: the revocation wins
    field.receive(change(o1, CHAT, grant));
    field.receive(change(o1, CHAT, revoke));
    const both = [
      { author: OWNER, seq: 52 },
      { author: O2, seq: 1 },
    ];
    expect(field.receive(d.durable(CHAT, append(2), { deps: both }))).toEqual(
      rejected('Unauthorized'),
    );
  });
});

describe('causal tracker', () => {
  it('answers exactly like a walk of the event graph', () => {
    const graph = fc.array(
      fc.record({
        author: fc.integer({ min: 1, max: 4 }),
        deps: fc.array(fc.nat(), { maxLength: 3 }),
        watch: fc.boolean(),
      }),
      { minLength: 1, maxLength: 40 },
    );
    fc.assert(
      fc.property(graph, (steps) => {
        const tracker = new CausalTracker(100);
        const ids: EventId[] = [];
        const pasts: Set<string>[] = [];
        const seqs = new Map<number, number>();
        const key = (id: EventId) => `${id.author}:${id.seq}`;
        for (const step of steps) {
          const author = node(step.author);
          const seq = (seqs.get(step.author) ?? 0) + 1;
          seqs.set(step.author, seq);
          const deps = step.deps.filter((d) => d < ids.length).map((d) => ids[d] as EventId);
          const past = new Set<string>([`${author}:${seq}`]);
          const prev = ids.findLastIndex((x) => x.author === author);
          for (const i of [
            ...step.deps.filter((d) => d < ids.length),
            ...(prev >= 0 ? [prev] : []),
          ]) {
            for (const k of pasts[i] as Set<string>) past.add(k);
          }
          const id = { author, seq };
          if (step.watch) tracker.watch(id);
          tracker.record(author, seq, deps);
          ids.push(id);
          pasts.push(past);
        }
        for (let i = 0; i < ids.length; i++) {
          for (let j = 0; j < ids.length; j++) {
            const w = ids[j] as EventId;
            const e = ids[i] as EventId;
            if (!tracker.isWatched(w) && w.author !== e.author) continue;
            expect(tracker.contains(e.author, e.seq, w), `${key(e)} ⊇ ${key(w)}`).toBe(
              (pasts[i] as Set<string>).has(key(w)),
            );
          }
        }
      }),
      { numRuns: propertyRuns(300, 3_000) },
    );
  });

  it('touches only the watched events a dependency can reach (not every change ever watched)', () => {
    const tracker = new CausalTracker(5_000);
    // 4 000 authority changes by authors unrelated to the writers below
    for (let i = 0; i < 4_000; i++) tracker.watch({ author: node(1_000 + i), seq: 1 });
    let reads = 0;
    const counted = (author: bigint, seq: number): EventId => ({
      get author() {
        reads++;
        return author as EventId['author'];
      },
      seq,
    });
    const A = node(1);
    const B = node(2);
    for (let seq = 1; seq <= 100; seq++) {
      tracker.record(A, seq, [counted(B, seq - 1)]);
      tracker.record(B, seq, [counted(A, seq)]);
    }
    // one look-up per dependency, not one per watched event
    expect(reads).toBeLessThanOrEqual(2 * 200);
    expect(tracker.contains(A, 50, { author: node(1_000), seq: 1 })).toBe(false);
  });

  it('is bounded', () => {
    const tracker = new CausalTracker(1);
    expect(tracker.watch({ author: OWNER, seq: 1 })).toBe(true);
    expect(tracker.watch({ author: OWNER, seq: 2 })).toBe(false);
    expect(tracker.size).toBe(1);
  });
});

import { expect, it } from 'vitest';
import { describeVectors, fromHex, toHex } from '@elara/test-env';
import {
  type EventEnvelope,
  EventType,
  type MutationOp,
  type NodeId,
  nodeIdFromHex,
  StateType,
  stateId,
} from '@elara/core';
import {
  createLawState,
  DeltaLaw,
  DivergenceAction,
  divergenceAction,
  type StateField,
} from '../src/index.ts';
import { makeField, ManualTime, T0, Writer } from './helpers.ts';

interface VectorMutation {
  readonly op: string;
  readonly data?: string;
  readonly delta?: string;
  readonly value?: string;
  readonly weight?: number;
}
interface VectorStep {
  readonly step: string;
  readonly event: {
    readonly event_type: number;
    readonly source: string;
    readonly target_state: { readonly dec: string };
    readonly time_intent_offset: number;
    readonly mutation: VectorMutation;
  };
  readonly outcome: string;
  readonly atom_after: { readonly state_type: string; readonly value: string } | null;
}
interface StateVectors {
  readonly time_engine: { readonly Hc_ms: number; readonly Hp_ms: number };
  readonly steps: readonly VectorStep[];
  readonly divergence_control: {
    readonly threshold: number;
    readonly result: readonly {
      readonly state_type: string;
      readonly state_id: number;
      readonly entropy_after: number;
      readonly value_after: string;
    }[];
  };
}

function mutationOf(m: VectorMutation): MutationOp {
  switch (m.op) {
    case 'Set':
      return { type: 'set', data: fromHex(m.data ?? '') };
    case 'Append':
      return { type: 'append', data: fromHex(m.data ?? '') };
    case 'Merge':
      return { type: 'merge', data: fromHex(m.data ?? '') };
    case 'Increment':
      return { type: 'increment', delta: BigInt(m.delta ?? '0') };
    case 'Blend':
      return { type: 'blend', value: fromHex(m.value ?? ''), weight: m.weight ?? 0 };
    default:
      return { type: 'delete' };
  }
}

const STATE_TYPES: Record<string, StateType> = {
  Core: StateType.Core,
  Perceptual: StateType.Perceptual,
  Enhancement: StateType.Enhancement,
  Cosmetic: StateType.Cosmetic,
};

/**
 * Our outcome for each of the reference's steps, in order, and why it differs where it does
 * (PROTOCOL.md §12, §19). `value` is the atom's value afterwards (hex; null when absent).
 */
const OURS: readonly {
  outcome: string;
  value: string | null;
  why?: string;
  /** The step's atom is then declared (a last-writer-wins register its author owns). */
  declare?: true;
}[] = [
  { outcome: 'applied', value: '01' },
  {
    outcome: 'applied',
    value: '02',
    why: 'v1 has no version vectors to echo: seq 2 follows seq 1 (§19.7)',
  },
  { outcome: 'applied', value: '03' },
  { outcome: 'rejected:Unauthorized', value: '03' },
  {
    outcome: 'rejected:UnsupportedOp',
    value: '03',
    why: 'a last-writer-wins register takes no append (delta laws, §19.8)',
  },
  { outcome: 'rejected:UnsupportedOp', value: '03', why: 'increments belong to counters (§19.8)' },
  { outcome: 'rejected:UnsupportedOp', value: '03', why: 'merges belong to sets (§19.8)' },
  {
    outcome: 'rejected:UnsupportedOp',
    value: '03',
    why: 'blends belong to frame-based atoms (§19.8)',
  },
  {
    outcome: 'applied',
    value: '18',
    why: 'durable events are never refused for their age: the reference says TooLate',
  },
  {
    outcome: 'applied',
    value: 'ea',
    why: 'durable: placed causally (the reference skips weight 0.0125 silently)',
  },
  { outcome: 'applied', value: '0c' },
  { outcome: 'applied', value: '1e' },
  { outcome: 'applied', value: '2c' },
  {
    outcome: 'applied',
    value: 'e8',
    why: 'durable, within maxClockLeadUs: applied (the reference drops TooEarly)',
  },
  {
    outcome: 'applied',
    value: null,
    why: 'a delete is a last-writer-wins write; no version vector to echo',
  },
  { outcome: 'applied', value: null },
  { outcome: 'applied', value: '0102' },
  {
    outcome: 'held',
    value: null,
    why: 'atoms are declared, not created by their first event: it waits for its atom (evicted and reported if never declared)',
    declare: true,
  },
  { outcome: 'applied', value: '1', why: 'the atom is a PN-counter: the increment counts' },
];

function valueOf(field: StateField, id: bigint): string | null {
  const s = field.atom(stateId(id))?.state;
  switch (s?.kind) {
    case 'lww':
      return s.value === undefined ? null : toHex(s.value);
    case 'frames': {
      const last = s.held().at(-1);
      return last === undefined ? null : toHex(last[1].data);
    }
    case 'pn-counter':
      return s.value.toString();
    default:
      return null;
  }
}

describeVectors<StateVectors>('state.json', (v) => {
  const A = nodeIdFromHex('0x000000000000000a');
  const B = nodeIdFromHex('0x000000000000000b');
  const hc = v.time_engine.Hc_ms * 1000;
  const hp = v.time_engine.Hp_ms * 1000;

  it('replays the reference steps: same verdicts where it is sound, ours (cited) where not', () => {
    const { field } = makeField(nodeIdFromHex('0x00000000000000ff'), {
      time: new ManualTime(T0, hc, hp),
    });
    field.define(stateId(100), {
      stateType: StateType.Core,
      law: DeltaLaw.lww(),
      authority: { owners: [A] },
    });
    field.define(stateId(200), {
      stateType: StateType.Perceptual,
      law: DeltaLaw.frames(10_000),
      authority: { owners: [B] },
    });
    field.define(stateId(300), {
      stateType: StateType.Core,
      law: DeltaLaw.pnCounter(),
      authority: { owners: [B] },
    });
    const writers = new Map<NodeId, Writer>([
      [A, new Writer(A)],
      [B, new Writer(B)],
    ]);
    expect(v.steps).toHaveLength(OURS.length);
    for (const [i, step] of v.steps.entries()) {
      const ours = OURS[i] as (typeof OURS)[number];
      const e = step.event;
      const author = nodeIdFromHex(e.source);
      const target = stateId(BigInt(e.target_state.dec));
      const time = T0 + e.time_intent_offset * 100;
      const w = writers.get(author) as Writer;
      const m = mutationOf(e.mutation);
      const perceptual = step.atom_after?.state_type === 'Perceptual';
      const envelope: EventEnvelope = perceptual
        ? w.ephemeral(target, m, { time, eventType: e.event_type as EventType })
        : w.durable(target, m, { time, eventType: e.event_type as EventType });
      const o = field.receive(envelope);
      const got = o.status === 'rejected' ? `rejected:${o.reason}` : o.status;
      expect(
        got,
        `${step.step} (reference: ${step.outcome}${ours.why ? `; ${ours.why}` : ''})`,
      ).toBe(ours.outcome);
      if (ours.declare === true) {
        // declared late: the waiting event applies then, and the author's chain goes on
        const seq = field.processedOf(author);
        field.define(target, {
          stateType: StateType.Core,
          law: DeltaLaw.lww(),
          authority: { owners: [author] },
        });
        expect(field.processedOf(author), step.step).toBe(seq + 1);
      }
      expect(valueOf(field, BigInt(e.target_state.dec)), step.step).toBe(ours.value);
      if (
        ours.why === undefined &&
        step.atom_after !== null &&
        !perceptual &&
        target !== stateId(300)
      ) {
        // where we agree, the value is the reference's too
        expect(ours.value, step.step).toBe(step.atom_after.value);
      }
    }
  });

  it("keeps the reference's reality window for ephemeral events, but holds too-early ones", () => {
    const time = new ManualTime(T0, hc, hp);
    const { field } = makeField(nodeIdFromHex('0x00000000000000ff'), { time });
    const atom = stateId(400);
    field.define(atom, {
      stateType: StateType.Perceptual,
      law: DeltaLaw.lww(),
      authority: { owners: [A] },
    });
    const w = new Writer(A);
    const at = (offset: number, x: number) =>
      field.receive(
        w.ephemeral(
          atom,
          { type: 'set', data: Uint8Array.of(x) },
          {
            time: T0 + offset * 100,
            eventType: EventType.TypingStart,
          },
        ),
      );
    // The reference's time-intent steps (state.json steps 9–14) on an ephemeral atom:
    expect(at(-1000, 0x18)).toEqual({ status: 'rejected', reason: 'TooLate' }); // same
    expect(at(-790, 0xea).status).toBe('late'); // reference: LateCorrected but skipped (w ≤ 0.1)
    expect(at(-500, 0x0c).status).toBe('late'); // reference: LateCorrected, applied
    expect(at(30, 0x1e).status).toBe('applied'); // Current
    expect(at(300, 0x2c).status).toBe('applied'); // reference: Merged (Predictable)
    expect(at(1000, 0xe8).status).toBe('held'); // reference: Buffered, but dropped
    time.t += 61_000;
    expect(field.expire().released).toBe(1);
    const s = field.atom(atom)?.state;
    expect(s?.kind === 'lww' && s.value).toEqual(Uint8Array.of(0xe8));
  });

  it("divergence control: the reference's threshold and entropy steps; Core flagged, never cleared", () => {
    const dc = v.divergence_control;
    for (const r of dc.result) {
      const type = STATE_TYPES[r.state_type] as StateType;
      const before = r.state_id === 5 ? 0.5 : 0.6;
      const d = divergenceAction(type, before, dc.threshold);
      expect(d.entropy, `${r.state_type} #${r.state_id}`).toBeCloseTo(r.entropy_after, 12);
      const state = createLawState(DeltaLaw.lww());
      state.apply(
        { author: A, number: 1, time: 0, kind: 0, weight: 1 },
        { type: 'set', data: fromHex(r.state_id === 5 ? '01' : '010203') },
        { processed: () => false, settledBelow: () => false },
        false,
      );
      if (d.action === DivergenceAction.Clear) state.clear();
      if (d.action === DivergenceAction.Simplify) state.simplify();
      const value = state.kind === 'lww' ? (state as { value?: Uint8Array }).value : undefined;
      expect(value === undefined ? '' : toHex(value), `${r.state_type} #${r.state_id}`).toBe(
        r.value_after,
      );
      if (type === StateType.Core && before > dc.threshold)
        expect(d.action).toBe(DivergenceAction.Flag);
    }
  });
});

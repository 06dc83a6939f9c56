import type { NodeId, StateId } from '@elara/core';
import { type AtomResolver, type AtomSpec, atomSpecProblem } from './atom-spec.ts';
import { compareAscending } from './compare-ascending.ts';
import type { FieldAtom } from './field-atom.ts';
import { RejectionReason } from './rejection-reason.ts';
import { AtomDefinitionError } from './state-errors.ts';

/** The bounds of an {@link AtomTable} (from `FieldLimits`). */
export interface AtomTableLimits {
  readonly maxAtoms: number;
  readonly maxResolvedAtomsPerAuthor: number;
}

/**
 * The atoms a field holds: those declared with `define`, and those an {@link AtomResolver}
 * declares on demand. A resolved atom is only a candidate (judged against its spec) until an
 * event for it passes the authority stage ({@link admit}), so refused events never fill the
 * table. Bounded by `maxAtoms`, and resolved atoms by a share per author (the author whose
 * event made them held), so one member cannot take every atom. At `maxAtoms` a resolved atom
 * nothing was applied to and nothing waits for makes room: such atoms are indexed, so
 * admitting costs O(1) however many atoms are held.
 *
 * It also counts the events waiting in quarantine per target, held or not (an event may wait
 * for an atom that is not declared yet).
 */
export class AtomTable {
  private readonly atoms = new Map<StateId, FieldAtom>();
  /** The last resolved atom not held yet, kept so a burst of refused events builds it once. */
  private candidate: FieldAtom | undefined = undefined;
  private readonly waitingBy = new Map<StateId, number>();
  /** Held resolved atoms nothing was applied to and nothing waits for, oldest first. */
  private readonly unused = new Set<FieldAtom>();
  /** Resolved atoms held per author that made them held. */
  private readonly resolvedBy = new Map<NodeId, number>();

  constructor(
    private readonly limits: AtomTableLimits,
    private readonly resolver: AtomResolver | undefined,
    private readonly make: (id: StateId, spec: AtomSpec, defined: boolean) => FieldAtom,
  ) {}

  /** Atoms held. */
  get size(): number {
    return this.atoms.size;
  }

  /** The atom `id`, if held. */
  get(id: StateId): FieldAtom | undefined {
    return this.atoms.get(id);
  }

  /** Every atom held, in no particular order. */
  values(): IterableIterator<FieldAtom> {
    return this.atoms.values();
  }

  /** Every atom held, by id. */
  ids(): StateId[] {
    return [...this.atoms.keys()].sort(compareAscending);
  }

  /**
   * Declares an atom. A spec that cannot be used, an atom already held, or one past
   * `maxAtoms` is an {@link AtomDefinitionError}.
   */
  define(id: StateId, spec: AtomSpec): FieldAtom {
    const problem = atomSpecProblem(spec);
    if (problem !== undefined) throw new AtomDefinitionError(`atom ${id}: ${problem}`);
    if (this.atoms.has(id)) throw new AtomDefinitionError(`atom ${id} is already defined`);
    if (this.atoms.size >= this.limits.maxAtoms) {
      throw new AtomDefinitionError(`the field holds maxAtoms (${this.limits.maxAtoms}) atoms`);
    }
    const atom = this.make(id, spec, true);
    if (this.candidate?.id === id) this.candidate = undefined;
    this.hold(atom);
    return atom;
  }

  /**
   * The atom `id`: held, or resolved but not held yet (a candidate), or `UnknownAtom`. A
   * resolver's spec that cannot be used is an {@link AtomDefinitionError} (a programming error).
   */
  lookup(id: StateId): FieldAtom | RejectionReason {
    const atom = this.atoms.get(id);
    if (atom !== undefined) return atom;
    if (this.candidate?.id === id) return this.candidate;
    const spec = this.resolver?.(id);
    if (spec === undefined) return RejectionReason.UnknownAtom;
    const problem = atomSpecProblem(spec);
    if (problem !== undefined) throw new AtomDefinitionError(`resolved atom ${id}: ${problem}`);
    return (this.candidate = this.make(id, spec, false));
  }

  /** The spec of atom `id`, held or resolvable, without building anything. */
  specOf(id: StateId): AtomSpec | undefined {
    return (
      (this.atoms.get(id) ?? (this.candidate?.id === id ? this.candidate : undefined))?.spec ??
      this.resolver?.(id)
    );
  }

  /**
   * Holds a candidate atom for an event of `author` that passed the authority stage: refused
   * as `TooManyAtoms` beyond the author's share of resolved atoms, or at `maxAtoms` when no
   * unused resolved atom can make room.
   */
  admit(atom: FieldAtom, author: NodeId): FieldAtom | RejectionReason {
    if (this.atoms.get(atom.id) === atom) return atom;
    const share = this.resolvedBy.get(author) ?? 0;
    if (share >= this.limits.maxResolvedAtomsPerAuthor) return RejectionReason.TooManyAtoms;
    if (this.atoms.size >= this.limits.maxAtoms) {
      const unused = this.unused.values().next().value;
      if (unused === undefined) return RejectionReason.TooManyAtoms;
      this.drop(unused);
    }
    if (this.candidate === atom) this.candidate = undefined;
    atom.creator = author;
    this.resolvedBy.set(author, share + 1);
    this.hold(atom);
    return atom;
  }

  /** Events waiting in quarantine for target `id`. */
  waiting(id: StateId): number {
    return this.waitingBy.get(id) ?? 0;
  }

  /** Counts `delta` more events waiting for target `id`. */
  countWaiting(id: StateId, delta: number): void {
    const n = (this.waitingBy.get(id) ?? 0) + delta;
    if (n <= 0) this.waitingBy.delete(id);
    else this.waitingBy.set(id, n);
    const atom = this.atoms.get(id);
    if (atom === undefined) return;
    atom.waiting = Math.max(0, n);
    this.index(atom);
  }

  /** An event was applied to `atom`: it is no longer unused. */
  applied(atom: FieldAtom): void {
    atom.applied++;
    this.unused.delete(atom);
  }

  private hold(atom: FieldAtom): void {
    atom.waiting = this.waiting(atom.id);
    this.atoms.set(atom.id, atom);
    this.index(atom);
  }

  private index(atom: FieldAtom): void {
    if (!atom.defined && atom.applied === 0 && atom.waiting === 0) this.unused.add(atom);
    else this.unused.delete(atom);
  }

  private drop(atom: FieldAtom): void {
    this.atoms.delete(atom.id);
    this.unused.delete(atom);
    const author = atom.creator;
    if (author === undefined) return;
    const n = (this.resolvedBy.get(author) ?? 1) - 1;
    if (n <= 0) this.resolvedBy.delete(author);
    else this.resolvedBy.set(author, n);
  }
}

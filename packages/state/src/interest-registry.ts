import type { NodeId, StateId } from '@elara/core';
import { InterestLimitError } from './replication-errors.ts';

/** Bounds of an {@link InterestRegistry}. */
export interface InterestLimits {
  /** Members with a declared interest (the others are interested in everything). */
  readonly maxMembers: number;
  /** Atoms one member may name. */
  readonly maxAtomsPerMember: number;
}

/** The defaults. */
export const DEFAULT_INTEREST_LIMITS: InterestLimits = {
  maxMembers: 4_096,
  maxAtomsPerMember: 1_024,
};

/**
 * Which ephemeral atoms each member wants (presence, typing, voice and visual frames of the
 * streams it shows). A member that declared nothing wants everything, the default; one that
 * declared a set gets ephemeral events of those atoms only. Durable events ignore interest
 * (every member gets them).
 *
 * @example
 * interests.declare(bob, [voiceOfRoom1, presenceOfRoom1]); // bob only plays room 1
 * interests.isInterested(bob, typingOfRoom2);               // false
 * interests.clear(bob);                                     // everything again
 * interests.retain(log.members().map((m) => m.id));        // on membership change
 */
export class InterestRegistry {
  readonly limits: InterestLimits;
  private readonly declared = new Map<NodeId, Set<StateId>>();

  constructor(limits: Partial<InterestLimits> = {}) {
    this.limits = { ...DEFAULT_INTEREST_LIMITS, ...limits };
  }

  /**
   * `member` wants exactly these atoms (replacing what it declared). More than
   * `maxAtomsPerMember` atoms, or a new member beyond `maxMembers`, is an
   * {@link InterestLimitError} and changes nothing.
   */
  declare(member: NodeId, atoms: Iterable<StateId>): void {
    const set = new Set<StateId>();
    for (const a of atoms) {
      set.add(a);
      if (set.size > this.limits.maxAtomsPerMember) {
        throw new InterestLimitError(`more than ${this.limits.maxAtomsPerMember} atoms`);
      }
    }
    if (!this.declared.has(member) && this.declared.size >= this.limits.maxMembers) {
      throw new InterestLimitError(`${this.limits.maxMembers} members declared interests`);
    }
    this.declared.set(member, set);
  }

  /** `member` wants everything again (the default). */
  clear(member: NodeId): void {
    this.declared.delete(member);
  }

  /**
   * Forgets the interests of every node not in `members` (call it when membership changes:
   * a member that left frees its place). Returns how many were forgotten.
   */
  retain(members: Iterable<NodeId>): number {
    const keep = new Set(members);
    let n = 0;
    for (const m of this.declared.keys()) {
      if (keep.has(m)) continue;
      this.declared.delete(m);
      n++;
    }
    return n;
  }

  /** True when `member` wants ephemeral events of `atom`. */
  isInterested(member: NodeId, atom: StateId): boolean {
    const set = this.declared.get(member);
    return set === undefined || set.has(atom);
  }

  /** Members with a declared interest. */
  get size(): number {
    return this.declared.size;
  }
}

/**
 * The operations a delta law tells apart, as bits. An {@link AuthorityScope} is a set of them,
 * so "may this writer do this?" is one mask test whatever the law.
 *
 * | Op        | Meaning per law                                                        |
 * |-----------|------------------------------------------------------------------------|
 * | Set       | replace a register, an ephemeral entry or a frame                     |
 * | Append    | append to a log, add to a set                                          |
 * | Remove    | remove from a set, delete a register or an ephemeral entry            |
 * | Increment | add to a PN-counter                                                    |
 * | Blend     | store a weighted frame value                                           |
 *
 * @example
 * scopeAllows(AuthorityScope.Append, AtomOp.Append); // true
 */
export const AtomOp = {
  Set: 0x01,
  Append: 0x02,
  Remove: 0x04,
  Increment: 0x08,
  Blend: 0x10,
} as const;
export type AtomOp = (typeof AtomOp)[keyof typeof AtomOp];

/** Every {@link AtomOp} bit. */
export const ALL_ATOM_OPS = 0x1f;

/**
 * A session member's role: what it may do to the membership log and whether it may write.
 *
 * | Role     | Writes (atoms whose policy lets members write) | Membership changes it may sign                                   |
 * |----------|------------------------------------------------|------------------------------------------------------------------|
 * | Owner    | yes                                            | add, remove and change the role of anyone but the founder        |
 * | Admin    | yes                                            | add, remove and change the role of members and observers, never giving more than Member |
 * | Member   | yes                                            | its own removal (leaving)                                        |
 * | Observer | no durable event on any atom, owned or granted ones included (it receives every durable event) | its own removal (leaving) |
 *
 * The founder (the session's creator, named in every replica's config) is an owner from the
 * start and can be neither removed nor demoted. The numeric order is privilege: where
 * concurrent role changes disagree, the lowest wins.
 */
export const MemberRole = {
  Observer: 0,
  Member: 1,
  Admin: 2,
  Owner: 3,
} as const;
export type MemberRole = (typeof MemberRole)[keyof typeof MemberRole];

/** True for a byte that names a role. */
export function isMemberRole(value: unknown): value is MemberRole {
  return value === 0 || value === 1 || value === 2 || value === 3;
}

/** True when the role may write (every role but Observer; an observer may only leave). */
export function roleCanWrite(role: MemberRole | undefined): boolean {
  return role !== undefined && role >= MemberRole.Member;
}

/** The role's name, for display and snapshots. */
export function memberRoleName(role: MemberRole): 'observer' | 'member' | 'admin' | 'owner' {
  return (['observer', 'member', 'admin', 'owner'] as const)[role];
}

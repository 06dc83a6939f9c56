import type { Session } from '../src/index.ts';
import type { SessionCore } from '../src/internal/session-core.ts';

/** The contents of the session's `general` text stream, in the stream's order. */
export function contents(s: Session): string[] {
  return s
    .text('general')
    .messages()
    .map((m) => m.content);
}

/** The members present in the session-wide presence stream, by NodeId. */
export function present(s: Session): bigint[] {
  return s
    .presence()
    .present()
    .map((p) => p.user)
    .sort();
}

/** True when both sessions' canonical snapshots are equal. */
export function sameSnapshot(a: Session, b: Session): boolean {
  return JSON.stringify(a.snapshot()) === JSON.stringify(b.snapshot());
}

/** Durable events of this node still waiting in its local log for a member's acknowledgement. */
export function unacknowledged(s: Session): number {
  // The local log is the session's machinery, not its API: tests read it through the core.
  return (s as unknown as { readonly core: SessionCore }).core.replica.localLog.size;
}

/** Removals this session is still sending copies of to the members they removed. */
export function farewells(s: Session): number {
  // A private field of the core (not on SessionCore's type): read structurally.
  return (s as unknown as { readonly core: { readonly farewells: { readonly size: number } } }).core
    .farewells.size;
}

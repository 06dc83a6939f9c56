import type { Session } from '../src/index.ts';

/**
 * When each message reached each member, in virtual time: the sending moment is noted by the
 * test, the arrival by the member's `messages$`. A message that never arrives has no delay, so
 * the chaos test checks completeness apart.
 */
export class DeliveryDelays {
  private readonly sentAt = new Map<string, number>();
  private readonly delays: number[] = [];
  private readonly unsubscribe: (() => void)[] = [];

  /** Watches every session's `general` text stream; `now` reads virtual time. */
  constructor(sessions: readonly Session[], now: () => number) {
    for (const s of sessions) {
      const seen = new Set<string>();
      const subscription = s.text('general').messages$.subscribe((list) => {
        for (const m of list) {
          if (seen.has(m.content)) continue;
          seen.add(m.content);
          const at = this.sentAt.get(m.content);
          if (at !== undefined) this.delays.push(now() - at);
        }
      });
      this.unsubscribe.push(() => subscription.unsubscribe());
    }
  }

  /** Notes `content` as sent now (call before `send`: the author's own copy arrives at once). */
  sent(content: string, at: number): void {
    this.sentAt.set(content, at);
  }

  /** Every (message, member) delay seen so far, µs, ascending. */
  sorted(): number[] {
    return [...this.delays].sort((a, b) => a - b);
  }

  close(): void {
    for (const u of this.unsubscribe) u();
  }
}

import { ElaraError, EventType, type NodeId } from '@elara/core';
import type { EphemeralEntry } from '@elara/state';
import type { Observable } from 'rxjs';
import { NOT_SHOWN } from '../entry-projection.ts';
import { EphemeralStream } from '../ephemeral-stream.ts';
import { decodeTypingIndicator, encodeTypingIndicator } from '../msp/typing-indicator.ts';
import type { StreamDeps } from '../open-stream.ts';
import { StreamKind } from '../stream-atoms.ts';
import type { TypingOptions } from '../stream-options.ts';

/** One member typing. */
export interface TypingEntry {
  readonly user: NodeId;
  /** When its latest indicator was stamped, τs µs. */
  readonly startedAt: number;
  /** When the indicator disappears unless renewed, τs µs. */
  readonly expiresAt: number;
}

/** What a {@link TypingStream} is built from (the registry supplies it). */
export type TypingStreamDeps = StreamDeps<TypingOptions>;

/** An entry's indicator: shown when typing, not shown when not, undefined when invalid. */
function typingEntry(e: EphemeralEntry): TypingEntry | typeof NOT_SHOWN | undefined {
  if (e.data === undefined) return undefined;
  try {
    const t = decodeTypingIndicator(e.data);
    if (t.user !== e.author) return undefined;
    if (!t.typing) return NOT_SHOWN; // valid: the member says it stopped
    return Object.freeze({ user: t.user, startedAt: e.time, expiresAt: e.expiresAt });
  } catch (err) {
    if (!ElaraError.isInstance(err)) throw err;
    return undefined;
  }
}

/**
 * Who is typing in a text stream: each member's MSP typing indicator, an entry of one
 * ephemeral atom that lives `ttlUs` (default 5 s) after it was sent. `stop()` removes it at
 * once; otherwise it disappears when the field's `expire(now)` passes its time (no timer here).
 *
 * @example
 * const typing = streams.typing('general');
 * typing.typing$.subscribe((who) => showTyping(who));
 * input.addEventListener('input', () => typing.start()); // one event per refreshUs at most
 * typing.stop();
 */
export class TypingStream extends EphemeralStream<TypingEntry, TypingOptions> {
  readonly kind = StreamKind.Typing;
  /**
   * The members typing, by node id: the current list at once on subscribe, then each new list.
   * Each subscription is independent; it completes when the registry closes.
   */
  readonly typing$: Observable<readonly TypingEntry[]>;

  constructor(deps: TypingStreamDeps) {
    super(deps, typingEntry);
    this.typing$ = this.values$;
  }

  /** The members typing now. */
  typing(): readonly TypingEntry[] {
    return this.values;
  }

  /**
   * Says this node is typing. While its indicator is live and younger than `refreshUs`, it
   * writes nothing and returns false, so it can be called on every keystroke.
   */
  start(): boolean {
    this.checkOpen();
    const now = this.writer.stamp();
    const mine = this.entries()?.entry(this.field.self);
    if (mine !== undefined && typeof typingEntry(mine) === 'object') {
      if (now - mine.time < this.options.refreshUs) return false;
    }
    const data = encodeTypingIndicator({
      user: this.field.self,
      typing: true,
      startedAt: now,
      ttlMs: Math.round(this.options.ttlUs / 1_000),
    });
    this.writeEntry(EventType.TypingStart, { type: 'set', data });
    return true;
  }

  /** Says this node stopped typing (removed at once). Not typing: returns false. */
  stop(): boolean {
    this.checkOpen();
    if (this.entries()?.entry(this.field.self) === undefined) return false;
    this.writeEntry(EventType.TypingStop, { type: 'delete' });
    return true;
  }
}

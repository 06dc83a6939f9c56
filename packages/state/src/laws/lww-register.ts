import { type MutationOp, type NodeId, nodeIdToHex } from '@elara/core';
import { AtomOp } from '../atom-op.ts';
import { bytesToHex, type CanonicalValue } from '../canonical-value.ts';
import { LawKind } from '../delta-law.ts';
import { compareStamps, type EventStamp } from '../event-stamp.ts';
import type { LawDelta } from './law-delta.ts';
import type { LawResult, LawState } from './law-state.ts';

/**
 * Last-writer-wins register: the `set` or `delete` with the greatest stamp (effective τs,
 * author, number) is the value, whatever order they arrive in. A delete is a write of
 * "absent", so an older `set` arriving after it stays lost.
 */
export class LwwRegister implements LawState {
  readonly kind = LawKind.Lww;
  /** Nothing is ever dropped for a bound (see {@link LawState.dropped}). */
  readonly dropped = 0;
  private data: Uint8Array | undefined = undefined;
  private author: NodeId | undefined = undefined;
  private number = 0;
  private time = 0;

  /** The current value (undefined when never set or deleted). */
  get value(): Uint8Array | undefined {
    return this.data;
  }

  /** The stamp of the winning write, if any. */
  get writer(): Pick<EventStamp, 'author' | 'number' | 'time'> | undefined {
    return this.author === undefined
      ? undefined
      : { author: this.author, number: this.number, time: this.time };
  }

  opOf(m: MutationOp): AtomOp | 0 {
    return m.type === 'set' ? AtomOp.Set : m.type === 'delete' ? AtomOp.Remove : 0;
  }

  apply(stamp: EventStamp, m: MutationOp, _context: unknown, report: boolean): LawResult {
    const author = this.author;
    if (author !== undefined) {
      if (compareStamps(stamp, { time: this.time, author, number: this.number }) <= 0) {
        return undefined;
      }
    }
    const visible = this.data !== undefined || m.type === 'set';
    this.author = stamp.author;
    this.number = stamp.number;
    this.time = stamp.time;
    this.data = m.type === 'set' ? m.data.slice() : undefined;
    return report && visible ? ({ law: 'lww', value: this.data } satisfies LawDelta) : undefined;
  }

  snapshot(): CanonicalValue {
    if (this.author === undefined) return null;
    return {
      writer: [nodeIdToHex(this.author), this.number, this.time],
      value: this.data === undefined ? null : bytesToHex(this.data),
    };
  }

  isEmpty(): boolean {
    return this.author === undefined;
  }

  clear(): void {
    this.data = undefined;
    this.author = undefined;
    this.number = 0;
    this.time = 0;
  }

  simplify(): boolean {
    return false;
  }

  expire(): LawDelta[] {
    return [];
  }
}

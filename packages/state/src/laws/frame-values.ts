import { type MutationOp, nodeIdToHex } from '@elara/core';
import { AtomOp } from '../atom-op.ts';
import { bytesToHex, type CanonicalValue } from '../canonical-value.ts';
import { LawKind } from '../delta-law.ts';
import { compareStamps, type EventStamp } from '../event-stamp.ts';
import type { FrameValue } from '../frame-value.ts';
import { RejectionReason } from '../rejection-reason.ts';
import type { LawDelta } from './law-delta.ts';
import type { LawResult, LawState } from './law-state.ts';

/**
 * Frame-based values for continuous media: an event's frame is `⌊τs / frameUs⌋`; each frame
 * keeps the value with the greatest stamp (last writer wins per frame); the newest `maxFrames`
 * frames are kept and a frame older than all of them, when full, is refused as `TooLate`.
 * `blend` is stored with its weight (0..1; anything else is `MalformedPayload`): blending and
 * interpolation belong to projections.
 */
export class FrameValues implements LawState {
  readonly kind = LawKind.Frames;
  /** Frames discarded beyond `maxFrames` (older than every kept frame, or pushed out). */
  dropped = 0;
  private readonly frames = new Map<number, FrameValue>();
  /** Frame indices held, ascending. */
  private order: number[] = [];

  constructor(
    readonly frameUs: number,
    readonly maxFrames: number,
  ) {}

  /** The frame index of a τs. */
  frameOf(time: number): number {
    return Math.floor(time / this.frameUs);
  }

  /** The value of a frame, if held. */
  frame(index: number): FrameValue | undefined {
    return this.frames.get(index);
  }

  /** The frames held, oldest first. */
  held(): [number, FrameValue][] {
    return this.order.map((i) => [i, this.frames.get(i) as FrameValue]);
  }

  opOf(m: MutationOp): AtomOp | 0 {
    return m.type === 'set' ? AtomOp.Set : m.type === 'blend' ? AtomOp.Blend : 0;
  }

  apply(stamp: EventStamp, m: MutationOp, _context: unknown, report: boolean): LawResult {
    if (m.type !== 'set' && m.type !== 'blend') return undefined;
    if (m.type === 'blend' && !(m.weight >= 0 && m.weight <= 1)) {
      return RejectionReason.MalformedPayload;
    }
    const index = this.frameOf(stamp.time);
    const old = this.frames.get(index);
    if (old === undefined) {
      if (this.order.length >= this.maxFrames && index < (this.order[0] as number)) {
        // Ephemeral only (Core atoms cannot take the frames law): refused for age.
        return RejectionReason.TooLate;
      }
    } else if (compareStamps(stamp, old) <= 0) return undefined;
    const value: FrameValue = {
      author: stamp.author,
      number: stamp.number,
      time: stamp.time,
      data: m.type === 'set' ? m.data.slice() : m.value.slice(),
      weight: m.type === 'set' ? 1 : m.weight,
    };
    this.frames.set(index, value);
    const droppedFrame = old === undefined ? this.insert(index) : undefined;
    return report ? { law: 'frames', frame: index, value, droppedFrame } : undefined;
  }

  snapshot(): CanonicalValue {
    return this.order.map((i): CanonicalValue => {
      const v = this.frames.get(i) as FrameValue;
      return [i, nodeIdToHex(v.author), v.number, v.time, bytesToHex(v.data), v.weight];
    });
  }

  isEmpty(): boolean {
    return this.order.length === 0;
  }

  clear(): void {
    this.frames.clear();
    this.order = [];
  }

  /** Keeps only the newest frame. */
  simplify(): boolean {
    if (this.order.length <= 1) return false;
    for (const i of this.order.slice(0, -1)) this.frames.delete(i);
    this.order = this.order.slice(-1);
    return true;
  }

  expire(): LawDelta[] {
    return [];
  }

  /** Inserts a frame index; returns the oldest one pushed out beyond `maxFrames`, if any. */
  private insert(index: number): number | undefined {
    const order = this.order;
    let at = order.length;
    while (at > 0 && (order[at - 1] as number) > index) at--;
    order.splice(at, 0, index);
    if (order.length <= this.maxFrames) return undefined;
    const oldest = order.shift() as number;
    this.frames.delete(oldest);
    this.dropped++;
    return oldest;
  }
}

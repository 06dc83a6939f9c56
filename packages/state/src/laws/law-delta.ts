import type { NodeId } from '@elara/core';
import type { EphemeralEntry } from '../ephemeral-entry.ts';
import type { FrameValue } from '../frame-value.ts';
import type { LogEntry } from '../log-entry.ts';

/**
 * What changed in an atom's visible value, per law. Data are the atom's own bytes: read them,
 * do not modify them.
 * - `lww`: the register's new value (undefined once deleted).
 * - `append-log`: the entry inserted at `index` (−1 when the bound dropped it at once), and
 *   how many of the entries held before it the bound dropped, oldest first: a consumer
 *   mirrors the log by removing `dropped` entries from its front, then inserting `entry` at
 *   `index` when it is not −1.
 * - `set`: an element that became present or absent.
 * - `pn-counter`: the new total.
 * - `ephemeral`: an author's entry now (undefined when deleted or expired).
 * - `frames`: the value now stored for a frame, and the oldest frame the bound pushed out to
 *   make room for it (undefined when none).
 * - `cleared`: divergence control emptied the atom (Enhancement and Cosmetic state).
 */
export type LawDelta =
  | { readonly law: 'lww'; readonly value: Uint8Array | undefined }
  | {
      readonly law: 'append-log';
      readonly entry: LogEntry;
      readonly index: number;
      readonly dropped: number;
    }
  | { readonly law: 'set'; readonly element: Uint8Array; readonly present: boolean }
  | { readonly law: 'pn-counter'; readonly value: bigint }
  | {
      readonly law: 'ephemeral';
      readonly author: NodeId;
      readonly entry: EphemeralEntry | undefined;
    }
  | {
      readonly law: 'frames';
      readonly frame: number;
      readonly value: FrameValue;
      /** The oldest frame the bound pushed out to make room, if any. */
      readonly droppedFrame: number | undefined;
    }
  | { readonly law: 'cleared' };

import type { Cancel, Scheduler } from '@elara/core';

/**
 * The turns a send pipeline paces by: a pipeline writes at most its burst per turn, and every
 * pipeline sharing one `PacerTurns` writes at most `room()` more in the current turn, together.
 */
export interface PacerTurns {
  /** Identifies the current turn: a pipeline's own burst refills when it changes. */
  stamp(): number;
  /** Datagrams the pipelines sharing these turns may still write in this turn, together. */
  room(): number;
  /** Records one datagram written in this turn. */
  spend(): void;
  /** Runs `fn` once, at the start of a later turn. */
  next(fn: () => void): Cancel;
}

/**
 * Turns on a scheduler (virtual time): each instant is a turn, and a turn yielded to runs at the
 * same instant after what is already due. Nothing is shared, and nothing is scheduled unless a
 * pipeline has a queue, so an idle simulated transport costs no timer.
 */
export function schedulerTurns(scheduler: Scheduler): PacerTurns {
  return {
    stamp: () => scheduler.now(),
    room: () => Number.POSITIVE_INFINITY,
    spend: () => undefined,
    next: (fn) => scheduler.at(scheduler.now(), fn),
  };
}

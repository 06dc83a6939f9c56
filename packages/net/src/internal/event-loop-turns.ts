import type { Cancel } from '@elara/core';
import { DEFAULT_BURST } from '../transport-limits.ts';
import type { PacerTurns } from './pacer-turns.ts';

interface Waiter {
  readonly fn: () => void;
  live: boolean;
}

/**
 * Turns of Node's event loop, with one datagram budget per turn shared by every pipeline that
 * uses this object. A turn starts in the check phase (`setImmediate`), so exactly one poll phase
 * (where libuv reads, at most 32 datagrams per socket) lies between two turns.
 *
 * An immediate is armed only while something was written this turn or a pipeline waits, so an
 * idle process holds no handle. Waiters run in order at the start of a turn until the budget is
 * spent; those that got nothing go first next turn, so N busy pipelines share it round-robin.
 */
export class EventLoopTurns implements PacerTurns {
  private turn = 0;
  private used = 0;
  private waiting: Waiter[] = [];
  private immediate: ReturnType<typeof setImmediate> | undefined;

  /** @param budget Datagrams per turn for all users together (`Infinity`: only per-pipeline). */
  constructor(private readonly budget: number) {}

  stamp(): number {
    return this.turn;
  }

  room(): number {
    return this.budget - this.used;
  }

  spend(): void {
    this.used++;
    this.arm();
  }

  next(fn: () => void): Cancel {
    const waiter: Waiter = { fn, live: true };
    this.waiting.push(waiter);
    this.arm();
    return () => {
      if (!waiter.live) return;
      waiter.live = false;
      const i = this.waiting.indexOf(waiter);
      if (i >= 0) this.waiting.splice(i, 1);
      // Nothing else to do this turn: release the handle rather than keep the loop alive.
      if (this.waiting.length === 0 && this.used === 0 && this.immediate !== undefined) {
        clearImmediate(this.immediate);
        this.immediate = undefined;
      }
    };
  }

  private arm(): void {
    this.immediate ??= setImmediate(this.onTurn);
  }

  private readonly onTurn = (): void => {
    this.immediate = undefined;
    this.turn++;
    this.used = 0;
    const list = this.waiting;
    this.waiting = [];
    let i = 0;
    for (; i < list.length && this.used < this.budget; i++) {
      const waiter = list[i] as Waiter;
      waiter.live = false;
      waiter.fn();
    }
    if (i < list.length) {
      // The budget ran out before these were served: they lead the next turn.
      this.waiting = list.slice(i).concat(this.waiting);
      this.arm();
    }
  };
}

let shared: EventLoopTurns | undefined;

/**
 * The process's UDP turns: every `UdpTransport` in this process together writes at most
 * {@link DEFAULT_BURST} datagrams per event-loop turn, because a receiving socket (maybe in this
 * process) reads at most that many per turn. A second copy of this package (a duplicate
 * install) would have its own budget.
 */
export function processTurns(): EventLoopTurns {
  shared ??= new EventLoopTurns(DEFAULT_BURST);
  return shared;
}

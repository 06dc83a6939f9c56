import type { Cancel, Endpoint, Scheduler } from '@elara/core';
import type { SendResult } from '../transport.ts';
import type { TransportCounters } from '../transport-counters.ts';
import type { TransportLimits } from '../transport-limits.ts';
import { deferred, withAbort, type Deferred } from './deferred.ts';
import type { PacerTurns } from './pacer-turns.ts';
import { SendQueue } from './send-queue.ts';
import { TokenBucket } from './token-bucket.ts';

/** Where a pipeline hands datagrams over (a socket, a simulated link). */
export interface SendSink {
  /** True when the sink takes a datagram now (UDP: libuv's own send queue is empty). */
  ready(): boolean;
  /** Hands one datagram over; returns true when `data` is no longer referenced afterwards. */
  write(data: Uint8Array, to: Endpoint): boolean;
}

/** What a {@link SendPipeline} needs from its transport. */
export interface SendPipelineOptions {
  readonly limits: TransportLimits;
  readonly counters: TransportCounters;
  /** Timers of the byte rate. */
  readonly scheduler: Scheduler;
  /** What a turn is (UDP: an event-loop turn, shared by the process; simulation: an instant). */
  readonly turns: PacerTurns;
  readonly sink: SendSink;
  /** True when the sink copies `data` itself, so the caller's buffer can go straight to it. */
  readonly sinkCopies: boolean;
}

/**
 * Credit of the byte-rate bucket, in µs at the rate, at least: timers fire no sooner than 1 ms
 * on Node (and often later), so a bucket smaller than a few milliseconds' worth would cap the
 * rate at bucket/ms however high it is set.
 */
const RATE_CREDIT_US = 4_000;

/**
 * The send side shared by every transport: a bounded queue, a per-turn burst (its own, and the
 * room its turns leave when they are shared), an optional byte rate, and the waits for room
 * (`writable`) and for an empty queue (`drained`). Datagrams leave in FIFO order; the caller's
 * buffer is copied before `offer()` returns whenever it is kept.
 */
export class SendPipeline {
  private readonly queue: SendQueue;
  private readonly bucket: TokenBucket | undefined;
  private readonly burst: number;
  private readonly lowWater: number;
  private budget: number;
  private budgetStamp = Number.NaN;
  private turnPending = false;
  private cancelTurn: Cancel | undefined;
  private cancelTokenWait: Cancel | undefined;
  private scratch: Uint8Array;
  private writableWait: Deferred | undefined;
  private drainedWait: Deferred | undefined;
  private closedError: Error | undefined;

  constructor(private readonly o: SendPipelineOptions) {
    const { limits } = o;
    this.queue = new SendQueue(limits.sendQueueLength, limits.maxDatagramSize);
    this.burst = limits.burst;
    this.budget = limits.burst;
    this.lowWater = Math.floor(limits.sendQueueLength / 2);
    this.scratch = new Uint8Array(limits.maxDatagramSize);
    const rate = limits.bytesPerSecond;
    this.bucket =
      rate === undefined
        ? undefined
        : new TokenBucket(
            rate,
            Math.max(limits.burst * limits.maxDatagramSize, (rate * RATE_CREDIT_US) / 1e6),
            o.scheduler.now(),
          );
  }

  /** Datagrams waiting in the queue. */
  get queued(): number {
    return this.queue.length;
  }

  /** Sends now, queues, or refuses. The transport has validated `data` and `to`. */
  offer(data: Uint8Array, to: Endpoint): SendResult {
    const c = this.o.counters;
    this.refreshBudget();
    if (
      this.queue.length === 0 &&
      this.budget > 0 &&
      this.o.turns.room() > 0 &&
      this.o.sink.ready() &&
      (this.bucket === undefined || this.bucket.take(data.byteLength, this.o.scheduler.now()))
    ) {
      c.sendAccepted++;
      this.written(data.byteLength);
      if (this.o.sinkCopies) {
        this.o.sink.write(data, to);
      } else {
        // Copy first: a socket that cannot send at once keeps the buffer until later, and the
        // caller may reuse its own as soon as we return.
        this.scratch.set(data);
        if (!this.o.sink.write(this.scratch.subarray(0, data.byteLength), to))
          this.scratch = new Uint8Array(this.scratch.byteLength);
      }
      return 'sent';
    }
    if (this.queue.full) {
      c.sendRefusedFull++;
      return 'full';
    }
    c.sendAccepted++;
    this.queue.push(data, to);
    if (!this.turnPending && this.cancelTokenWait === undefined) this.nextTurn();
    return 'queued';
  }

  /** The sink became ready again (UDP: a send completed). */
  resume(): void {
    if (this.closedError === undefined && this.queue.length > 0) this.pump();
    else this.notify();
  }

  /** See `Transport.writable`. */
  writable(signal?: AbortSignal): Promise<void> {
    if (this.closedError !== undefined) return Promise.reject(this.closedError);
    if (!this.queue.full) return Promise.resolve();
    this.writableWait ??= deferred();
    return withAbort(this.writableWait.promise, signal);
  }

  /** See `Transport.drained`. */
  drained(signal?: AbortSignal): Promise<void> {
    if (this.closedError !== undefined) return Promise.reject(this.closedError);
    if (this.queue.length === 0 && this.o.sink.ready()) return Promise.resolve();
    this.drainedWait ??= deferred();
    return withAbort(this.drainedWait.promise, signal);
  }

  /** Stops: cancels timers, drops (and counts) the queue, rejects waiters with `error`. */
  close(error: Error): void {
    if (this.closedError !== undefined) return;
    this.closedError = error;
    this.cancelTurn?.();
    this.cancelTokenWait?.();
    this.cancelTurn = this.cancelTokenWait = undefined;
    this.o.counters.droppedOnClose += this.queue.clear();
    this.writableWait?.reject(error);
    this.drainedWait?.reject(error);
    this.writableWait = this.drainedWait = undefined;
  }

  private readonly onTurn = (): void => {
    this.turnPending = false;
    this.cancelTurn = undefined;
    this.budget = this.burst;
    this.budgetStamp = this.o.turns.stamp();
    this.pump();
  };

  private readonly onTokens = (): void => {
    this.cancelTokenWait = undefined;
    this.pump();
  };

  private nextTurn(): void {
    if (this.turnPending) return;
    this.turnPending = true;
    this.cancelTurn = this.o.turns.next(this.onTurn);
  }

  /** A new turn began since this pipeline last wrote: its own burst is whole again. */
  private refreshBudget(): void {
    const stamp = this.o.turns.stamp();
    if (stamp !== this.budgetStamp) {
      this.budgetStamp = stamp;
      this.budget = this.burst;
    }
  }

  private written(bytes: number): void {
    const c = this.o.counters;
    c.datagramsSent++;
    c.bytesSent += bytes;
    this.budget--;
    this.o.turns.spend();
  }

  private pump(): void {
    const q = this.queue;
    const { sink, scheduler, turns } = this.o;
    this.refreshBudget();
    while (this.budget > 0 && turns.room() > 0 && this.cancelTokenWait === undefined) {
      const slot = q.peek();
      if (slot === undefined || !sink.ready()) break;
      if (this.bucket !== undefined && !this.bucket.take(slot.length, scheduler.now())) {
        const wait = this.bucket.waitUs(slot.length, scheduler.now());
        this.cancelTokenWait = scheduler.at(scheduler.now() + wait, this.onTokens);
        break;
      }
      const to = slot.to as Endpoint;
      q.shift();
      this.written(slot.length);
      if (!sink.write(slot.buffer.subarray(0, slot.length), to)) q.retire(slot);
    }
    if (
      q.length > 0 &&
      this.cancelTokenWait === undefined &&
      (this.budget <= 0 || turns.room() <= 0)
    )
      this.nextTurn();
    this.notify();
  }

  private notify(): void {
    const q = this.queue;
    if (this.writableWait !== undefined && q.length <= this.lowWater) {
      const w = this.writableWait;
      this.writableWait = undefined;
      w.resolve();
    }
    if (this.drainedWait !== undefined && q.length === 0 && this.o.sink.ready()) {
      const w = this.drainedWait;
      this.drainedWait = undefined;
      w.resolve();
    }
  }
}

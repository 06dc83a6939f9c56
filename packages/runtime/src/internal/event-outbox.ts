import { type EventEnvelope, type NodeId, packEventBatches, splitEventBatch } from '@elara/core';
import type { PeerLink } from '../peer-link.ts';
import { eventClass, eventProfile } from './event-class.ts';
import type { SessionHost } from './session-host.ts';

/** Events per packing round: enough to fill many frames, few enough to keep rounds short. */
const ROUND = 64;

/**
 * Each peer's events waiting to be sent, flushed at the end of the turn that queued them (so
 * events written together share frames), packed several per frame in their packet class,
 * sealed and sent. When the transport's send queue has no room, events wait here for
 * `writable()`; a peer without a channel yet keeps its queue until the channel comes. Each
 * queue is bounded by `eventBufferSize`: beyond it the oldest go, counted (`eventsDropped`); a
 * durable one is still in the local log and the store, and reaches the peer by repair.
 */
export class EventOutbox {
  private readonly queues = new Map<NodeId, EventEnvelope[]>();
  private scheduled = false;
  private waiting = false;
  private readonly abort = new AbortController();

  constructor(
    private readonly host: SessionHost,
    private readonly links: ReadonlyMap<NodeId, PeerLink>,
    private readonly max: number,
  ) {}

  /** Queues `event` for `peer` and schedules a flush. */
  push(peer: NodeId, event: EventEnvelope): void {
    if (this.abort.signal.aborted) return;
    let queue = this.queues.get(peer);
    if (queue === undefined) this.queues.set(peer, (queue = []));
    if (queue.length >= this.max) {
      queue.shift();
      this.host.counters.eventsDropped++;
    }
    queue.push(event);
    this.schedule();
  }

  /** Flushes at the end of the current turn (once, however many events are queued). */
  schedule(): void {
    if (this.scheduled || this.waiting || this.abort.signal.aborted) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  /** Sends what fits now (to `only`, or to every peer); waits for room in the transport for the rest. */
  flush(only?: NodeId): void {
    if (this.abort.signal.aborted) return;
    const sender = this.host.sender;
    const now = this.host.scheduler.now();
    for (const [peer, queue] of this.queues) {
      if (only !== undefined && peer !== only) continue;
      const link = this.links.get(peer);
      if (link === undefined) continue;
      while (queue.length > 0) {
        const first = queue[0] as EventEnvelope;
        const packetClass = eventClass(first);
        let n = 1;
        while (
          n < queue.length &&
          n < ROUND &&
          eventClass(queue[n] as EventEnvelope) === packetClass
        )
          n++;
        const payloads = packEventBatches(queue.slice(0, n), sender.payloadBudget);
        let frames = 0;
        for (const p of payloads) frames += sender.framesFor(p.length);
        if (!sender.hasRoom(frames, link.via)) {
          this.waitForRoom(link);
          return;
        }
        let sent = 0;
        try {
          for (const p of payloads) {
            this.host.counters.eventBytesOut += sender.send(
              link,
              p,
              packetClass,
              eventProfile(first),
              now,
            );
            sent++;
          }
        } catch (e) {
          // A channel that can no longer seal (closed, out of epochs) or a payload beyond the
          // fragment bound: the events not sent yet go (durable ones come back by repair), the
          // rest of the queue stays.
          for (const p of payloads.slice(sent)) {
            this.host.counters.eventsDropped += splitEventBatch(p).length;
          }
          this.host.report(e);
        }
        queue.splice(0, n);
      }
      this.queues.delete(peer);
    }
  }

  /** Drops `peer`'s queue (it left the session). */
  forget(peer: NodeId): void {
    this.queues.delete(peer);
  }

  /** Stops: drops every queue and any wait for room. Idempotent. */
  close(): void {
    this.abort.abort();
    this.queues.clear();
  }

  private waitForRoom(link: PeerLink): void {
    if (this.waiting) return;
    this.waiting = true;
    this.host.sender.writable(this.abort.signal, link.via).then(
      () => {
        this.waiting = false;
        this.schedule();
      },
      () => {
        // Closed or aborted: nothing more to send.
        this.waiting = false;
      },
    );
  }
}

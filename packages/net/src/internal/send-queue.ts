import type { Endpoint } from '@elara/core';

/** One queued datagram: a pooled buffer, its used length and its destination. */
export interface QueueSlot {
  buffer: Uint8Array;
  length: number;
  to: Endpoint | undefined;
}

/**
 * A bounded FIFO of datagrams in pooled buffers: a slot's buffer is allocated the first time the
 * ring reaches it and reused afterwards, so steady-state queueing allocates nothing.
 */
export class SendQueue {
  private readonly slots: (QueueSlot | undefined)[];
  private head = 0;
  private count = 0;

  constructor(
    readonly capacity: number,
    private readonly slotBytes: number,
  ) {
    this.slots = new Array<QueueSlot | undefined>(capacity);
  }

  get length(): number {
    return this.count;
  }

  get full(): boolean {
    return this.count >= this.capacity;
  }

  /** Copies `data` in; the caller checked `full` first. */
  push(data: Uint8Array, to: Endpoint): void {
    const i = (this.head + this.count) % this.capacity;
    let slot = this.slots[i];
    if (slot === undefined) {
      slot = { buffer: new Uint8Array(this.slotBytes), length: 0, to: undefined };
      this.slots[i] = slot;
    }
    slot.buffer.set(data);
    slot.length = data.byteLength;
    slot.to = to;
    this.count++;
  }

  /** The oldest slot, or `undefined` when empty. */
  peek(): QueueSlot | undefined {
    return this.count === 0 ? undefined : this.slots[this.head];
  }

  /** Removes the oldest slot. */
  shift(): void {
    const slot = this.slots[this.head];
    if (slot !== undefined) slot.to = undefined;
    this.head = (this.head + 1) % this.capacity;
    this.count--;
  }

  /**
   * Gives `slot` a fresh buffer: its old one is still referenced by the network (an asynchronous
   * send), so it must not be overwritten.
   */
  retire(slot: QueueSlot): void {
    slot.buffer = new Uint8Array(this.slotBytes);
  }

  /** Empties the queue; returns how many datagrams were dropped. */
  clear(): number {
    const dropped = this.count;
    while (this.count > 0) this.shift();
    return dropped;
  }
}

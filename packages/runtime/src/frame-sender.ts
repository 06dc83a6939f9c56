import {
  AUTH_TAG_SIZE,
  FRAGMENT_HEADER_SIZE,
  type Endpoint,
  MAX_FRAME_SIZE,
  type PacketClass,
  type RepresentationProfile,
  fragmentPayload,
  toWireOffset,
} from '@elara/core';
import { CHANNEL_HEADER_SIZE } from '@elara/crypto';
import type { Transport } from '@elara/net';
import type { CounterBook } from './node-counters.ts';
import type { PeerLink } from './peer-link.ts';

/**
 * The node's way out: seals payloads per channel into one reused buffer (the transport copies
 * what it keeps), splits payloads larger than one frame into sealed fragments, and counts every
 * datagram and byte. One per node.
 *
 * Each frame's time hint is the sender's local clock since the channel was made, in 100 µs
 * units: only differences of send times feed the receiver's network model (jitter), so a
 * per-channel zero serves it and never overflows the i32 for the first 59 hours of a channel.
 */
export class FrameSender {
  /** Largest plaintext of one sealed frame on this transport. */
  readonly payloadBudget: number;
  private readonly buffer: Uint8Array;
  private messageId: number;

  constructor(
    private readonly transport: Transport,
    private readonly counters: CounterBook,
    /** Bound on fragments per message (the receivers' reassembly bound, same default). */
    private readonly maxFragments: number,
    firstMessageId: number,
  ) {
    const frame = Math.min(transport.maxDatagramSize, MAX_FRAME_SIZE);
    this.buffer = new Uint8Array(frame);
    this.payloadBudget = frame - CHANNEL_HEADER_SIZE - AUTH_TAG_SIZE;
    this.messageId = firstMessageId >>> 0;
  }

  /** Datagrams the payload takes once sealed (1, or its fragment count). */
  framesFor(payloadLength: number): number {
    if (payloadLength <= this.payloadBudget) return 1;
    return Math.max(1, Math.ceil(payloadLength / (this.payloadBudget - FRAGMENT_HEADER_SIZE)));
  }

  /** True when the transport's send queue can take `datagrams` more now. */
  hasRoom(datagrams: number): boolean {
    return this.transport.queuedDatagrams + datagrams <= this.transport.sendQueueLength;
  }

  /** Resolves when the transport's send queue has room again (transport's `writable`). */
  writable(signal?: AbortSignal): Promise<void> {
    return this.transport.writable(signal);
  }

  /** Sends bytes not sealed by a channel (handshake messages). False if the transport refused. */
  sendRaw(bytes: Uint8Array, to: Endpoint): boolean {
    try {
      if (this.transport.send(bytes, to) === 'full') {
        this.counters.sendRefused++;
        return false;
      }
    } catch {
      // A closed transport or a destination it cannot reach: counted, never thrown at a peer.
      this.counters.sendRefused++;
      return false;
    }
    this.counters.datagramsOut++;
    this.counters.bytesOut += bytes.length;
    return true;
  }

  /**
   * Seals `payload` to `link` in one frame, or fragments it first when it is larger than one
   * frame holds (core's `fragmentPayload`; a payload beyond `maxFragments` frames is core's
   * `TooLargeError`). Returns false when the transport refused a datagram.
   */
  send(
    link: PeerLink,
    payload: Uint8Array,
    packetClass: PacketClass,
    profile: RepresentationProfile,
    now: number,
  ): boolean {
    const timeHint = toWireOffset(now, link.establishedAt);
    if (payload.length <= this.payloadBudget) {
      return this.seal(link, payload, packetClass, profile, timeHint);
    }
    const fragments = fragmentPayload(payload, {
      messageId: this.nextMessageId(),
      budget: this.payloadBudget,
      maxFragments: this.maxFragments,
    });
    let ok = true;
    for (const f of fragments) ok = this.seal(link, f, packetClass, profile, timeHint) && ok;
    return ok;
  }

  private seal(
    link: PeerLink,
    payload: Uint8Array,
    packetClass: PacketClass,
    profile: RepresentationProfile,
    timeHint: number,
  ): boolean {
    const end = link.channel.sealInto({ packetClass, profile, timeHint, payload }, this.buffer, 0);
    return this.sendRaw(this.buffer.subarray(0, end), link.remote);
  }

  private nextMessageId(): number {
    this.messageId = (this.messageId + 1) >>> 0;
    return this.messageId;
  }
}

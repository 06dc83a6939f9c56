import {
  AUTH_TAG_SIZE,
  FRAGMENT_HEADER_SIZE,
  type Endpoint,
  MAX_FRAME_SIZE,
  type PacketClass,
  type RepresentationProfile,
  fragmentPayload,
} from '@elara/core';
import { CHANNEL_HEADER_SIZE } from '@elara/crypto';
import type { Transport } from '@elara/net';
import { wrappedTimeHint } from './internal/time-hint.ts';
import type { CounterBook } from './node-counters.ts';
import type { PeerLink } from './peer-link.ts';

/**
 * The node's way out: seals payloads per channel into one reused buffer (the transport copies
 * what it keeps), splits payloads larger than one frame into sealed fragments, and counts every
 * datagram and byte. One per node.
 *
 * Each frame's time hint is the sender's local clock since the channel was made, in 100 µs
 * units: only differences of send times feed the receiver's network model (jitter), so a
 * per-channel zero serves it. The i32 holds ~59.6 hours of them; past that the hint wraps
 * modulo 2^32 and the receiver takes differences with wrap-around (`TimeHintReader`).
 */
export class FrameSender {
  /** Largest plaintext of one sealed frame on this transport. */
  readonly payloadBudget: number;
  private readonly buffer: Uint8Array;
  private messageId: number;

  constructor(
    /** The node's own socket (the direct path). */
    readonly transport: Transport,
    private readonly counters: CounterBook,
    /** Bound on fragments per message (the receivers' reassembly bound, same default). */
    private readonly maxFragments: number,
    firstMessageId: number,
    /** Bytes the datagram budget keeps free: a relayed frame's TURN overhead, when relaying. */
    reserve = 0,
  ) {
    const frame = Math.min(transport.maxDatagramSize - reserve, MAX_FRAME_SIZE);
    this.buffer = new Uint8Array(frame);
    this.payloadBudget = frame - CHANNEL_HEADER_SIZE - AUTH_TAG_SIZE;
    this.messageId = firstMessageId >>> 0;
  }

  /** Bytes a payload that fits one frame takes once sealed. */
  sealedSize(payloadLength: number): number {
    return CHANNEL_HEADER_SIZE + payloadLength + AUTH_TAG_SIZE;
  }

  /** Datagrams the payload takes once sealed (1, or its fragment count). */
  framesFor(payloadLength: number): number {
    if (payloadLength <= this.payloadBudget) return 1;
    return Math.max(1, Math.ceil(payloadLength / (this.payloadBudget - FRAGMENT_HEADER_SIZE)));
  }

  /** True when the transport's (or `via`'s) send queue can take `datagrams` more now. */
  hasRoom(datagrams: number, via: Transport = this.transport): boolean {
    return via.queuedDatagrams + datagrams <= via.sendQueueLength;
  }

  /** Resolves when the transport's send queue has room again (transport's `writable`). */
  writable(signal?: AbortSignal, via: Transport = this.transport): Promise<void> {
    return via.writable(signal);
  }

  /**
   * Sends bytes not sealed by a channel (handshake messages), on the node's socket or `via`
   * another transport (the relayed one). False if the transport refused.
   */
  sendRaw(bytes: Uint8Array, to: Endpoint, via: Transport = this.transport): boolean {
    try {
      if (via.send(bytes, to) === 'full') {
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
   * `TooLargeError`), over the link's transport to its peer's address (or `via` and `to`: a
   * path challenge, or its answer, on the path under validation). Returns
   * the bytes the transport accepted.
   */
  send(
    link: PeerLink,
    payload: Uint8Array,
    packetClass: PacketClass,
    profile: RepresentationProfile,
    now: number,
    via: Transport = link.via,
    to: Endpoint = link.remote,
  ): number {
    const timeHint = wrappedTimeHint(now, link.establishedAt);
    if (payload.length <= this.payloadBudget) {
      return this.seal(link, payload, packetClass, profile, timeHint, via, to);
    }
    const fragments = fragmentPayload(payload, {
      messageId: this.nextMessageId(),
      budget: this.payloadBudget,
      maxFragments: this.maxFragments,
    });
    let bytes = 0;
    for (const f of fragments) {
      bytes += this.seal(link, f, packetClass, profile, timeHint, via, to);
    }
    return bytes;
  }

  private seal(
    link: PeerLink,
    payload: Uint8Array,
    packetClass: PacketClass,
    profile: RepresentationProfile,
    timeHint: number,
    via: Transport,
    to: Endpoint,
  ): number {
    const end = link.channel.sealInto({ packetClass, profile, timeHint, payload }, this.buffer, 0);
    return this.sendRaw(this.buffer.subarray(0, end), to, via) ? end : 0;
  }

  private nextMessageId(): number {
    this.messageId = (this.messageId + 1) >>> 0;
    return this.messageId;
  }
}

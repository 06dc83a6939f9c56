import {
  type EventEnvelope,
  type PacketClass,
  type RepresentationProfile,
  packEventBatches,
} from '@elara/core';
import type { PeerLink } from '../peer-link.ts';
import { eventClass, eventProfile } from './event-class.ts';
import type { SessionHost } from './session-host.ts';

/** Copies of the removal each removed member is sent (one now, then one per heartbeat). */
const FAREWELL_SENDS = 3;

/**
 * Events of the removal's causal past the removed member had not acknowledged that go with
 * each copy, at most (the oldest first: what it must apply before the removal).
 */
export const FAREWELL_PAST_EVENTS = 32;

/** Bytes of those events at most. */
export const FAREWELL_PAST_BYTES = 16 * 1024;

/** A removed member's channel, kept for sealing its removal until the copies are sent. */
interface Farewell {
  readonly link: PeerLink;
  /** The removal entry, after the events of its past it lacks, as events payloads. */
  readonly payloads: readonly Uint8Array[];
  readonly packetClass: PacketClass;
  readonly profile: RepresentationProfile;
  sent: number;
  nextAt: number;
}

/**
 * Tells removed members they were removed. When the membership log removes a member, its
 * channel leaves the session's table at once (nothing it sends is opened any more), but is kept
 * here to seal the signed removal entry to it, with the events of the removal's causal past it
 * had not acknowledged (at most {@link FAREWELL_PAST_EVENTS}; without them it would hold the
 * removal in quarantine for good, its channels being gone): once at once and again each
 * heartbeat interval, {@link FAREWELL_SENDS} copies in all (a lost datagram does not leave it
 * unaware), then its keys are erased. The removed node applies the entry like any other (signature and authority
 * checked against its log) and ends its session with `RemovedFromSessionError`; a copy that
 * comes after that finds no session there. Bounded by `maxPeers`: past it the oldest farewell is
 * cut short.
 */
export class Farewells {
  private readonly pending: Farewell[] = [];

  constructor(private readonly host: SessionHost) {}

  /** Farewells not finished. */
  get size(): number {
    return this.pending.length;
  }

  /**
   * `link`'s member was removed by `removal`: send it the entry after `past` (events it may
   * lack, bounded by the caller), keep the channel for that.
   */
  add(link: PeerLink, removal: EventEnvelope, past: readonly EventEnvelope[], now: number): void {
    if (this.pending.length >= this.host.config.maxPeers) this.pending.shift()?.link.close();
    const farewell: Farewell = {
      link,
      payloads: packEventBatches([...past, removal], this.host.sender.payloadBudget),
      packetClass: eventClass(removal),
      profile: eventProfile(removal),
      sent: 0,
      nextAt: now,
    };
    this.pending.push(farewell);
    this.send(farewell, now);
  }

  /** Sends the copies that are due; erases the keys of the channels whose copies are all sent. */
  tick(now: number): void {
    for (let i = this.pending.length - 1; i >= 0; i--) {
      const f = this.pending[i] as Farewell;
      if (now >= f.nextAt) this.send(f, now);
      if (f.sent >= FAREWELL_SENDS) {
        this.pending.splice(i, 1);
        f.link.close();
      }
    }
  }

  /** Erases every channel kept here. Idempotent. */
  close(): void {
    for (const f of this.pending.splice(0)) f.link.close();
  }

  private send(f: Farewell, now: number): void {
    f.sent++;
    f.nextAt = now + this.host.config.heartbeatIntervalUs;
    try {
      for (const p of f.payloads) this.host.sender.send(f.link, p, f.packetClass, f.profile, now);
    } catch (e) {
      // A channel that can no longer seal: nothing more to tell it.
      f.sent = FAREWELL_SENDS;
      this.host.report(e);
    }
  }
}

import { ElaraError, EventType, type NodeId, OutOfRangeError } from '@elara/core';
import type { EphemeralEntry } from '@elara/state';
import {
  asyncScheduler,
  defer,
  filter,
  interval,
  map,
  type Observable,
  type SchedulerLike,
  scan,
  takeWhile,
} from 'rxjs';
import { contentBytes } from '../content-check.ts';
import { EphemeralStream } from '../ephemeral-stream.ts';
import {
  decodePresence,
  encodePresence,
  PresenceStatus,
  presenceStatusFromByte,
} from '../msp/presence.ts';
import type { StreamDeps } from '../open-stream.ts';
import { StreamKind } from '../stream-atoms.ts';
import type { PresenceOptions } from '../stream-options.ts';

/** One member who is here. */
export interface PresenceEntry {
  readonly user: NodeId;
  readonly status: PresenceStatus;
  /** When the member was last active (its own report), τs µs. */
  readonly lastActive: number;
  /** When its latest update or heartbeat was stamped, τs µs ("last seen"). */
  readonly lastSeen: number;
  /** When it stops being present unless heard from again, τs µs. */
  readonly expiresAt: number;
  /** A custom status text. */
  readonly custom: string | undefined;
}

/** What a member says about itself when it joins or updates. */
export interface PresenceUpdate {
  /** Default Online. */
  readonly status?: PresenceStatus;
  /** A custom status text, at most `maxStatusBytes` UTF-8 bytes (`undefined` clears it). */
  readonly custom?: string | undefined;
}

/** What one period of `heartbeats()` did. */
const Beat = { Sent: 0, Idle: 1, Stop: 2 } as const;
type Beat = (typeof Beat)[keyof typeof Beat];

/** What a {@link PresenceStream} is built from (the registry supplies it). */
export type PresenceStreamDeps = StreamDeps<PresenceOptions>;

const decoder = new TextDecoder();

function presenceEntry(e: EphemeralEntry): PresenceEntry | undefined {
  if (e.data === undefined) return undefined;
  try {
    const p = decodePresence(e.data);
    if (p.user !== e.author) return undefined;
    return Object.freeze({
      user: p.user,
      status: presenceStatusFromByte(p.status),
      lastActive: p.lastActive,
      lastSeen: e.time,
      expiresAt: e.expiresAt,
      custom: p.custom === undefined ? undefined : decoder.decode(p.custom),
    } satisfies PresenceEntry);
  } catch (err) {
    if (!ElaraError.isInstance(err)) throw err;
    return undefined;
  }
}

/**
 * Who is here: each member's presence (MSP presence record), an entry of one ephemeral atom
 * of the state field that lives `timeoutUs` after the member's latest update or heartbeat.
 * `leave()` removes it at once; a member that stops sending heartbeats disappears when the
 * field's `expire(now)` passes its time (the stream owns no timer for it, so one clock drives
 * every replica in tests).
 *
 * @example
 * const here = streams.presence();
 * here.presence$.subscribe((list) => showMembers(list));
 * here.join({ status: PresenceStatus.Online });
 * here.heartbeats().subscribe({ complete: () => rejoinOrWarn() }); // present while subscribed
 * here.leave();
 */
export class PresenceStream extends EphemeralStream<PresenceEntry, PresenceOptions> {
  readonly kind = StreamKind.Presence;
  /**
   * The members present, by node id: the current list at once on subscribe, then each new list
   * (immutable arrays). Each subscription is independent; it completes when the registry closes.
   */
  readonly presence$: Observable<readonly PresenceEntry[]>;
  /** What this node said last, while joined (heartbeats repeat it). */
  private mine: Uint8Array | undefined = undefined;
  private state: { status: PresenceStatus; custom: string | undefined } | undefined = undefined;
  private refused = 0;

  constructor(deps: PresenceStreamDeps) {
    super(deps, presenceEntry);
    this.presence$ = this.values$;
  }

  /** The members present now. */
  present(): readonly PresenceEntry[] {
    return this.values;
  }

  /**
   * True while this node has said it is here (joined, not left, and no heartbeat of
   * {@link heartbeats} refused since).
   */
  get joined(): boolean {
    return this.mine !== undefined;
  }

  /** Heartbeats of {@link heartbeats} the field refused (each ended its subscription). */
  get refusedHeartbeats(): number {
    return this.refused;
  }

  /** Says this node is here (last active now). */
  join(update: PresenceUpdate = {}): void {
    this.checkOpen();
    this.write(update.status ?? PresenceStatus.Online, update.custom);
  }

  /**
   * Changes this node's status or custom text (last active now); what is left out keeps its
   * value. Joins if not joined.
   */
  update(update: PresenceUpdate): void {
    this.checkOpen();
    const status = update.status ?? this.state?.status ?? PresenceStatus.Online;
    const custom = 'custom' in update ? update.custom : this.state?.custom;
    this.write(status, custom);
  }

  /**
   * Repeats this node's presence so it does not time out. Not joined (never, or left): writes
   * nothing and returns false.
   */
  heartbeat(): boolean {
    this.checkOpen();
    if (this.mine === undefined) return false;
    this.writeEntry(EventType.PresenceUpdate, { type: 'set', data: this.mine });
    return true;
  }

  /** Says this node is gone (its entry is removed at once). Not joined: returns false. */
  leave(): boolean {
    this.checkOpen();
    if (this.mine === undefined) return false;
    this.writeEntry(EventType.PresenceUpdate, { type: 'delete' });
    this.mine = undefined;
    this.state = undefined;
    return true;
  }

  /**
   * Sends a heartbeat every `periodMs` (default a third of the timeout) on `scheduler` while
   * subscribed, emitting how many were sent so far. Cold: each subscription has its own timer,
   * and unsubscribing stops it (it does not leave). Periods while not joined send nothing.
   *
   * It completes, without error, at the first period after the stream closed, and at the first
   * heartbeat the field refuses (a named error such as state's `LocalEventRejectedError`: this
   * node was removed from the session or may no longer write its presence). Then this node is
   * no longer `joined` and {@link refusedHeartbeats} counts it; joining again is the
   * application's decision. It never errors for a refusal: a timer on `asyncScheduler` whose
   * subscriber has no error callback would otherwise crash the process. Anything else thrown
   * (a bug) reaches the subscriber's error callback.
   */
  heartbeats(
    periodMs: number = this.options.timeoutUs / 3_000,
    scheduler: SchedulerLike = asyncScheduler,
  ): Observable<number> {
    if (!(periodMs > 0) || !Number.isFinite(periodMs)) {
      throw new OutOfRangeError(`heartbeat period ${periodMs} ms is not > 0`);
    }
    return defer(() =>
      interval(periodMs, scheduler).pipe(
        map(() => this.beat()),
        takeWhile((b) => b !== Beat.Stop),
        filter((b) => b === Beat.Sent),
        scan((n) => n + 1, 0),
      ),
    );
  }

  /** One period of {@link heartbeats}. */
  private beat(): Beat {
    if (this.isClosed) return Beat.Stop;
    try {
      return this.heartbeat() ? Beat.Sent : Beat.Idle;
    } catch (err) {
      if (!ElaraError.isInstance(err)) throw err;
      this.refused++;
      this.mine = undefined;
      this.state = undefined;
      return Beat.Stop;
    }
  }

  private write(status: PresenceStatus, custom: string | undefined): void {
    if (!Number.isInteger(status) || status < 0 || status > PresenceStatus.Offline) {
      throw new OutOfRangeError(`presence status ${status}`);
    }
    const customBytes =
      custom === undefined
        ? undefined
        : contentBytes(custom, 'status', this.options.maxStatusBytes, true);
    const data = encodePresence({
      user: this.field.self,
      status,
      lastActive: this.writer.stamp(),
      custom: customBytes,
    });
    this.writeEntry(EventType.PresenceUpdate, { type: 'set', data });
    this.mine = data;
    this.state = { status, custom };
  }
}

import type { Clock, Endpoint, Scheduler, SessionId } from '@elara/core';
import type { CryptoProvider, Identity } from '@elara/crypto';
import type { FrameSender } from '../frame-sender.ts';
import type { CounterBook } from '../node-counters.ts';
import type { ResolvedNodeConfig } from '../node-config.ts';

/** What a session's machinery asks of its node (and nothing more). */
export interface SessionHost {
  readonly identity: Identity;
  readonly provider: CryptoProvider;
  readonly scheduler: Scheduler;
  /** The local clock τs and clock synchronisation read (the scheduler's unless configured). */
  readonly clock: Clock;
  readonly config: ResolvedNodeConfig;
  readonly counters: CounterBook;
  readonly sender: FrameSender;
  /** A signed invite to `sessionId` (crypto's text form). */
  issueInvite(
    sessionId: SessionId,
    expiresAt: number,
    addresses: readonly Endpoint[] | undefined,
  ): string;
  /** True while another pairwise channel fits under `maxPeers`. */
  canAddPeer(): boolean;
  /** The session has ended: forget it. */
  detach(sessionId: SessionId): void;
  /** An unexpected failure (a bug), for `node.errors$`. */
  report(error: unknown): void;
}

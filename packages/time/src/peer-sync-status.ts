import type { NodeId } from '@elara/core';
import type { PeerSyncCounters } from './peer-sync.ts';
import type { PeerSyncEstimate } from './peer-sync-estimate.ts';
import type { SyncFlag } from './sync-flag.ts';

/** One peer as a {@link ClockSync} sees it (a snapshot). */
export interface PeerSyncStatus extends PeerSyncEstimate {
  readonly peer: NodeId;
  /** Whether and why the peer is left out of the consensus. */
  readonly flag: SyncFlag;
  /** The peer's τs minus ours, µs (NaN without exchanges in the window). */
  readonly sessionOffsetUs: number;
  /** Marked settled by the runtime (it has emitted events here, so its τs only slews). */
  readonly settled: boolean;
  /** Its replies by verdict. */
  readonly counters: Readonly<PeerSyncCounters>;
}

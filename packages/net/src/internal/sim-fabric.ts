import type { Endpoint, Scheduler } from '@elara/core';

/** What a simulated transport needs from its network (kept apart so the two files do not cycle). */
export interface SimFabric {
  readonly scheduler: Scheduler;
  /** Sends `data` (copied if kept) from the transport with index `source` to `to`. */
  route(source: number, data: Uint8Array, to: Endpoint): void;
  /** The transport with index `source` closed. */
  detach(source: number): void;
}

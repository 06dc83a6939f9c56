import { Observable } from 'rxjs';
import type { ClockSync } from '../clock-sync.ts';
import type { SyncState } from '../sync-state.ts';

/**
 * A {@link ClockSync}'s state as an observable: the state at subscription, then every change as
 * the sync's updates judge it (synchronously, from within `update()`). Unsubscribing removes the
 * listener.
 *
 * @example
 * syncStates(sync).pipe(filter((s) => s === SyncState.Converged), take(1)).subscribe(flushHeld);
 */
export function syncStates(sync: ClockSync): Observable<SyncState> {
  return new Observable<SyncState>((subscriber) => {
    subscriber.next(sync.state);
    return sync.subscribe((state) => subscriber.next(state));
  });
}

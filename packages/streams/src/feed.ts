import { Observable, type Subscriber } from 'rxjs';

/**
 * The push side of a stream's observables. Each subscription registers its own subscriber
 * (per-subscription state, nothing shared between subscribers) and removes it when it ends,
 * so a forgotten feed holds no subscriber. Values are delivered synchronously, in the field's
 * change order; `complete()` ends every subscription and makes later ones complete at once.
 */
export class Feed<T> {
  private readonly subscribers = new Set<Subscriber<T>>();
  private done = false;

  /**
   * A cold-on-subscribe, hot-afterwards observable: with `current`, each subscriber first
   * receives the value now (so a late subscriber sees the state, not an empty screen), then
   * every value emitted while it is subscribed.
   */
  observable(current?: () => T): Observable<T> {
    return new Observable<T>((subscriber) => {
      if (this.done) {
        subscriber.complete();
        return undefined;
      }
      if (current !== undefined) subscriber.next(current());
      this.subscribers.add(subscriber);
      return () => {
        this.subscribers.delete(subscriber);
      };
    });
  }

  /** Subscribers now (tests check that unsubscribing leaves none). */
  get size(): number {
    return this.subscribers.size;
  }

  /** Delivers `value()` to every subscriber; computes nothing when there are none. */
  emit(value: () => T): void {
    if (this.subscribers.size === 0) return;
    const v = value();
    for (const s of [...this.subscribers]) s.next(v);
  }

  /** Ends every subscription; later subscriptions complete at once. */
  complete(): void {
    if (this.done) return;
    this.done = true;
    for (const s of [...this.subscribers]) s.complete();
    this.subscribers.clear();
  }
}

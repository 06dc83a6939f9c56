import type { AtomChange } from './atom-change.ts';
import type { EquivocationReport } from './equivocation-report.ts';
import type { EvictionReport } from './eviction-report.ts';

/**
 * A field's listeners and what waits to be delivered to them: changes, eviction reports and
 * equivocation reports are queued while a call works and delivered when it ends
 * ({@link flush}), so listeners see a consistent field and may call back into it. What such a
 * call-back causes joins the queues and is delivered by the same flush, before it returns. A
 * listener that throws is counted and does not disturb the others.
 */
export class ChangeFeed {
  private readonly changeListeners = new Set<(change: AtomChange) => void>();
  private readonly evictionListeners = new Set<(report: EvictionReport) => void>();
  private readonly equivocationListeners = new Set<(report: EquivocationReport) => void>();
  private readonly changes: AtomChange[] = [];
  private readonly evictions: EvictionReport[] = [];
  private readonly equivocations: EquivocationReport[] = [];
  private flushing = false;

  /** `listenerError` is called for each listener call that threw. */
  constructor(private readonly listenerError: () => void) {}

  /** True when someone listens to changes (laws build deltas only then). */
  get reporting(): boolean {
    return this.changeListeners.size > 0;
  }

  /** Adds a change listener; returns a function that removes it. */
  onChange(listener: (change: AtomChange) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /** Adds an eviction listener; returns a function that removes it. */
  onEviction(listener: (report: EvictionReport) => void): () => void {
    this.evictionListeners.add(listener);
    return () => this.evictionListeners.delete(listener);
  }

  /** Adds an equivocation listener; returns a function that removes it. */
  onEquivocation(listener: (report: EquivocationReport) => void): () => void {
    this.equivocationListeners.add(listener);
    return () => this.equivocationListeners.delete(listener);
  }

  /** Queues a change (dropped at once when nobody listens). */
  change(change: AtomChange): void {
    if (this.changeListeners.size > 0) this.changes.push(change);
  }

  /** Queues an eviction report. */
  eviction(report: EvictionReport): void {
    if (this.evictionListeners.size > 0) this.evictions.push(report);
  }

  /** Queues an equivocation report. */
  equivocation(report: EquivocationReport): void {
    if (this.equivocationListeners.size > 0) this.equivocations.push(report);
  }

  /**
   * Delivers everything queued: equivocations first, then evictions, then changes, until the
   * queues are empty (listeners may add to them). A call from inside a listener returns at
   * once: the flush running below it delivers what it queued.
   */
  flush(): void {
    if (this.flushing) return;
    this.flushing = true;
    try {
      for (;;) {
        if (this.equivocations.length > 0) {
          for (const report of this.equivocations.splice(0)) {
            for (const l of this.equivocationListeners) this.call(l, report);
          }
        } else if (this.evictions.length > 0) {
          for (const report of this.evictions.splice(0)) {
            for (const l of this.evictionListeners) this.call(l, report);
          }
        } else if (this.changes.length > 0) {
          for (const change of this.changes.splice(0)) {
            for (const l of this.changeListeners) this.call(l, change);
          }
        } else break;
      }
    } finally {
      this.flushing = false;
    }
  }

  private call<T>(listener: (value: T) => void, value: T): void {
    try {
      listener(value);
    } catch {
      this.listenerError();
    }
  }
}

/** How many counters below the highest one a {@link SeenWindow} remembers. */
export const SEEN_WINDOW_SIZE = 64;

/**
 * Which ephemeral counters of one (atom, author) were already taken, like a replay window:
 * the highest counter and a 64-bit map of the ones below it. Ephemeral events are never
 * repaired, so counters further back than the window are treated as seen (stale).
 */
export interface SeenWindow {
  /** Highest counter seen, −1 before the first. */
  top: number;
  /** Bits for `top − 1 − i`, i in 0..31. */
  lo: number;
  /** Bits for `top − 33 − i`, i in 0..31. */
  hi: number;
}

/** A window that has seen nothing. */
export function seenWindow(): SeenWindow {
  return { top: -1, lo: 0, hi: 0 };
}

/** 'new', 'duplicate' (in the window and seen) or 'stale' (behind the window). */
export function seenStatus(w: SeenWindow, n: number): 'new' | 'duplicate' | 'stale' {
  if (n > w.top) return 'new';
  if (n === w.top) return 'duplicate';
  const back = w.top - 1 - n;
  if (back >= SEEN_WINDOW_SIZE) return 'stale';
  const bit = back < 32 ? (w.lo >>> back) & 1 : (w.hi >>> (back - 32)) & 1;
  return bit === 1 ? 'duplicate' : 'new';
}

/** True when counter `n` was seen or is behind the window. */
export function seenHas(w: SeenWindow, n: number): boolean {
  return seenStatus(w, n) !== 'new';
}

/** Marks counter `n` as seen. */
export function seenMark(w: SeenWindow, n: number): void {
  if (n > w.top) {
    const shift = w.top < 0 ? SEEN_WINDOW_SIZE : n - w.top;
    // The old top becomes bit shift − 1 of the 64-bit map.
    let lo = w.lo;
    let hi = w.hi;
    if (shift >= SEEN_WINDOW_SIZE) {
      lo = 0;
      hi = 0;
    } else if (shift >= 32) {
      hi = lo << (shift - 32);
      lo = 0;
    } else {
      hi = (hi << shift) | (lo >>> (32 - shift));
      lo = lo << shift;
    }
    const oldBack = shift - 1;
    if (w.top >= 0 && oldBack < SEEN_WINDOW_SIZE) {
      if (oldBack < 32) lo |= 1 << oldBack;
      else hi |= 1 << (oldBack - 32);
    }
    w.top = n;
    w.lo = lo | 0;
    w.hi = hi | 0;
    return;
  }
  const back = w.top - 1 - n;
  if (back < 0 || back >= SEEN_WINDOW_SIZE) return;
  if (back < 32) w.lo |= 1 << back;
  else w.hi |= 1 << (back - 32);
}

/** True when every counter below `n` was seen or is behind the window. */
export function seenAllBelow(w: SeenWindow, n: number): boolean {
  for (let m = Math.max(0, w.top - SEEN_WINDOW_SIZE); m < n; m++) {
    if (seenStatus(w, m) === 'new') return false;
  }
  return true;
}

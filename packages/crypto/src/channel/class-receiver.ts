import type { CryptoProvider } from '../crypto-provider.ts';
import { FutureEpochError, StaleEpochError } from './channel-errors.ts';
import { channelMessageKey, channelNextEpochKey } from './channel-key-schedule.ts';
import { ReplayWindow } from './replay-window.ts';

/** One epoch a receiver still opens: its key and its replay window. */
interface EpochState {
  readonly epoch: number;
  readonly key: Uint8Array;
  readonly window: ReplayWindow;
}

/**
 * What an open needs before authentication, and what to commit after it. Nothing in here has
 * touched the receiver's state yet.
 */
export interface PendingOpen {
  /** The message key (zero it after use). */
  readonly messageKey: Uint8Array;
  /** Epoch keys derived ahead for a newer epoch (committed on success, zeroed otherwise). */
  readonly derived: Uint8Array[];
  readonly epoch: number;
  readonly seq: number;
}

/**
 * The receiving side of one packet class of one channel: the newest epoch's key and window and
 * up to `overlap` previous epochs (frames sealed just before a re-key still open). Any message
 * key of a kept epoch is one HMAC away (`channelMessageKey`), so the window needs no cache of
 * skipped keys: the epoch key plus the window's bitmap are that cache, of fixed size, and any
 * frame within the window opens in any order, once. Memory: at most `overlap + 1` epochs.
 */
export class ClassReceiver {
  private readonly epochs: EpochState[];

  constructor(
    private readonly provider: CryptoProvider,
    epochZeroKey: Uint8Array,
    private readonly windowSize: number,
    private readonly overlap: number,
    private readonly maxEpochSkip: number,
  ) {
    this.epochs = [{ epoch: 0, key: epochZeroKey, window: new ReplayWindow(windowSize) }];
  }

  /** The newest epoch opened so far (0 at first). */
  get currentEpoch(): number {
    return (this.epochs[this.epochs.length - 1] as EpochState).epoch;
  }

  /**
   * Checks (epoch, seq) against the kept epochs and windows and derives the message key, all
   * without changing anything. Throws `StaleEpochError`, `FutureEpochError`,
   * `DuplicateFrameError` or `BeyondWindowError`.
   */
  prepare(epoch: number, seq: number): PendingOpen {
    const newest = this.epochs[this.epochs.length - 1] as EpochState;
    if (epoch > newest.epoch) {
      if (epoch - newest.epoch > this.maxEpochSkip) {
        throw new FutureEpochError(
          `epoch ${epoch}: more than ${this.maxEpochSkip} ahead of ${newest.epoch}`,
        );
      }
      const derived: Uint8Array[] = [];
      let key = newest.key;
      for (let e = newest.epoch; e < epoch; e++) {
        key = channelNextEpochKey(this.provider, key);
        derived.push(key);
      }
      return { messageKey: channelMessageKey(this.provider, key, seq), derived, epoch, seq };
    }
    const state = this.find(epoch);
    state.window.check(seq);
    return {
      messageKey: channelMessageKey(this.provider, state.key, seq),
      derived: [],
      epoch,
      seq,
    };
  }

  /** Records an authenticated frame: installs derived epochs, moves the window. */
  commit(pending: PendingOpen): void {
    pending.messageKey.fill(0);
    if (pending.derived.length > 0) {
      const from = this.currentEpoch;
      pending.derived.forEach((key, i) => {
        this.epochs.push({ epoch: from + i + 1, key, window: new ReplayWindow(this.windowSize) });
      });
      while (this.epochs.length > this.overlap + 1) this.epochs.shift()?.key.fill(0);
    }
    this.find(pending.epoch).window.accept(pending.seq);
  }

  /** Forgets a failed attempt: zeroes what it derived. */
  discard(pending: PendingOpen): void {
    pending.messageKey.fill(0);
    for (const k of pending.derived) k.fill(0);
  }

  /** Zeroes every key held. */
  erase(): void {
    for (const s of this.epochs) s.key.fill(0);
  }

  /** Epochs, windows and key count, for tests and diagnostics (no key bytes). */
  describe(): string {
    return this.epochs.map((s) => `${s.epoch}@${s.window.describe()}`).join(' ');
  }

  private find(epoch: number): EpochState {
    for (const s of this.epochs) if (s.epoch === epoch) return s;
    throw new StaleEpochError(
      `epoch ${epoch}: erased (the oldest kept is ${this.epochs[0]?.epoch})`,
    );
  }
}

import { KeyUnavailableError, ReplayError, CryptoError } from '../crypto-errors.ts';

/** A frame whose (epoch, seq) this channel already opened: a duplicate or a replay. */
export class DuplicateFrameError extends ReplayError {
  static override readonly code: string = 'DuplicateFrameError';
}

/** A frame older than its epoch's replay window: it can no longer be told apart from a replay. */
export class BeyondWindowError extends ReplayError {
  static override readonly code: string = 'BeyondWindowError';
}

/** A frame of an epoch this channel has already erased (older than the overlap it keeps). */
export class StaleEpochError extends KeyUnavailableError {
  static override readonly code: string = 'StaleEpochError';
}

/**
 * A frame more epochs ahead than the channel derives for one frame (`maxEpochSkip`), or a
 * sender whose last epoch is used up (a new handshake is needed).
 */
export class FutureEpochError extends KeyUnavailableError {
  static override readonly code: string = 'FutureEpochError';
}

/**
 * A frame further ahead in its epoch's chain than one frame may derive (`maxSkip` positions
 * past the newest one opened, or past 0 in an epoch not seen yet). Deriving its key would cost
 * one HMAC per skipped position before the tag could be checked, which a forger could exploit;
 * authentic frames of the sender's next epoch open again.
 */
export class TooFarAheadError extends KeyUnavailableError {
  static override readonly code: string = 'TooFarAheadError';
}

/** A frame whose sender is not this channel's peer. */
export class UnknownSenderError extends CryptoError {
  static override readonly code: string = 'UnknownSenderError';
}

/**
 * A frame of another channel with the same peer (its RatchetId is another handshake's), or a
 * channel frame without the extensions that select its key.
 */
export class ChannelMismatchError extends CryptoError {
  static override readonly code: string = 'ChannelMismatchError';
}

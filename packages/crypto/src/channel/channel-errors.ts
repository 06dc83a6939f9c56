import { OutOfRangeError } from '@elara/core';
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

/** A frame more epochs ahead of the newest one opened than the channel derives (`maxEpochSkip`). */
export class FutureEpochError extends KeyUnavailableError {
  static override readonly code: string = 'FutureEpochError';
}

/**
 * A class whose sender is at its last epoch (65 535, the KeyEpoch extension is a u16) and
 * cannot move on: thrown by `rekey()` there, and by the seal that would need epoch 65 536. Only
 * a new handshake (a new channel) carries that class further.
 */
export class EpochsExhaustedError extends KeyUnavailableError {
  static override readonly code: string = 'EpochsExhaustedError';
}

/**
 * A frame further ahead in its epoch's chain than one frame may derive (`maxSkip` positions
 * past the newest one opened, or past 0 in an epoch not seen yet). No authentic frame of a peer
 * with the same options gets this: an epoch holds at most `maxSkip + 1` frames.
 */
export class TooFarAheadError extends KeyUnavailableError {
  static override readonly code: string = 'TooFarAheadError';
}

/**
 * A `HandshakeResult` a channel cannot take: its roots were already taken by another channel
 * (which zeroed them), or are all zero, or are one array. One handshake makes one channel.
 */
export class ConsumedKeysError extends CryptoError {
  static override readonly code: string = 'ConsumedKeysError';
}

/**
 * Epoch policies a channel cannot use: not an object, a class that does not exist, a field out
 * of range, or more frames per epoch than `maxSkip + 1` (so a receiver with the same options
 * could refuse authentic frames after a loss).
 */
export class EpochPolicyError extends OutOfRangeError {
  static override readonly code: string = 'EpochPolicyError';
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

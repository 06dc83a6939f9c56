import type { CryptoProvider } from '../crypto-provider.ts';
import { KEY_LENGTH } from '../crypto-provider.ts';
import { EpochsExhaustedError } from './channel-errors.ts';
import { channelChainStep, channelEpochStep, splitChannelStep } from './channel-key-schedule.ts';
import type { EpochPolicy } from './epoch-policy.ts';

/** The last epoch: the KeyEpoch extension is a u16. */
const LAST_EPOCH = 0xffff;

/**
 * The sending side of one packet class of one channel: the chain key of the next frame's
 * position, the next epoch's key, the next seq and what the epoch has carried, in buffers of
 * its own that each step overwrites. Each frame is one chain step: `HMAC-SHA512(CK_i, 01)`
 * split into the frame's message key (in a reused buffer the channel zeroes after sealing)
 * and `CK_{i+1}`, written over `CK_i`; the step's output is zeroed at once. The epoch advances
 * when its policy says so or when a re-key was asked for: one epoch step,
 * `HMAC-SHA512(EK_{e+1}, 03)`, overwrites the chain key with the new epoch's first one and the
 * epoch key with its successor.
 */
export class ClassSender {
  private readonly chainKey = new Uint8Array(KEY_LENGTH);
  private readonly nextEpochKey = new Uint8Array(KEY_LENGTH);
  private readonly messageKey = new Uint8Array(KEY_LENGTH);
  private epochNumber = 0;
  private nextSeq = 0;
  private bytesSent = 0;
  private rekeyAsked = false;

  /** `epochZeroKey` is taken over (and zeroed). */
  constructor(
    private readonly provider: CryptoProvider,
    epochZeroKey: Uint8Array,
    private readonly policy: EpochPolicy,
  ) {
    splitChannelStep(channelEpochStep(provider, epochZeroKey), this.chainKey, this.nextEpochKey);
    epochZeroKey.fill(0);
  }

  /** The epoch the next frame will carry, if no re-key happens first. */
  get epoch(): number {
    return this.epochNumber;
  }

  /** Frames sealed in the current epoch. */
  get sealedInEpoch(): number {
    return this.nextSeq;
  }

  /** Moves to the next epoch before the next frame; `EpochsExhaustedError` at the last one. */
  requestRekey(): void {
    this.checkNotLast();
    this.rekeyAsked = true;
  }

  /** Throws `EpochsExhaustedError` if this class is at its last epoch. */
  checkNotLast(): void {
    if (this.epochNumber >= LAST_EPOCH) {
      throw new EpochsExhaustedError(
        `channel: epoch ${LAST_EPOCH} is this class's last; a new handshake carries it further`,
      );
    }
  }

  /**
   * Takes the next position for a frame of `bytes` plaintext bytes, advancing the epoch first
   * when due: returns its message key (its epoch is `epoch`, its seq `sealedInEpoch − 1`) and
   * steps the chain past it. The key is the sender's reused buffer: the caller seals with it,
   * then zeroes it. The chain moves
   * before the seal, so a seal that failed would leave a gap (a lost frame to the receiver),
   * never a key used twice. `EpochsExhaustedError` when the last epoch is used up (nothing
   * moves).
   */
  next(bytes: number): Uint8Array {
    if (
      this.rekeyAsked ||
      this.nextSeq >= this.policy.messages ||
      this.bytesSent >= this.policy.bytes
    ) {
      this.checkNotLast();
      const step = channelEpochStep(this.provider, this.nextEpochKey);
      splitChannelStep(step, this.chainKey, this.nextEpochKey);
      this.epochNumber++;
      this.nextSeq = 0;
      this.bytesSent = 0;
      this.rekeyAsked = false;
    }
    splitChannelStep(
      channelChainStep(this.provider, this.chainKey),
      this.messageKey,
      this.chainKey,
    );
    this.nextSeq++;
    this.bytesSent += bytes;
    return this.messageKey;
  }

  /** Zeroes every key held (the message key buffer is zero between frames already). */
  erase(): void {
    this.chainKey.fill(0);
    this.nextEpochKey.fill(0);
  }

  /** Copies of every key held, for the test-only inspector. */
  keyMaterial(): Uint8Array[] {
    return [new Uint8Array(this.chainKey), new Uint8Array(this.nextEpochKey)];
  }

  /** A copy of the message key buffer (all zero between frames), for the test-only inspector. */
  scratchMaterial(): Uint8Array[] {
    return [new Uint8Array(this.messageKey)];
  }
}

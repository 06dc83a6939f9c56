import type { CryptoProvider } from '../crypto-provider.ts';
import { FutureEpochError } from './channel-errors.ts';
import {
  channelChainKey,
  channelMessageKey,
  channelNextChainKey,
  channelNextEpochKey,
} from './channel-key-schedule.ts';
import type { EpochPolicy } from './epoch-policy.ts';

/** The last epoch: the KeyEpoch extension is a u16. */
const LAST_EPOCH = 0xffff;

/**
 * The sending side of one packet class of one channel: the chain key of the next frame's
 * position, the next epoch's key, the next seq and what the epoch has carried. Each frame
 * takes one message key off the chain and steps the chain (the old chain key is zeroed, the
 * message key is zeroed by the channel after sealing). The epoch advances when its policy says
 * so or when a re-key was asked for; an epoch key is zeroed as soon as its chain is started and
 * its successor derived.
 */
export class ClassSender {
  private chainKey: Uint8Array;
  private nextEpochKey: Uint8Array;
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
    this.chainKey = channelChainKey(provider, epochZeroKey);
    this.nextEpochKey = channelNextEpochKey(provider, epochZeroKey);
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

  /** Moves to the next epoch before the next frame. */
  requestRekey(): void {
    this.rekeyAsked = true;
  }

  /**
   * The (epoch, seq) and message key of the next frame, advancing the epoch first when due.
   * The chain moves on only in {@link ClassSender.consume}; the caller zeroes the key.
   */
  next(): { epoch: number; seq: number; key: Uint8Array } {
    if (
      this.rekeyAsked ||
      this.nextSeq >= this.policy.messages ||
      this.bytesSent >= this.policy.bytes
    ) {
      if (this.epochNumber >= LAST_EPOCH) {
        throw new FutureEpochError('channel: every epoch of this class is used; handshake again');
      }
      const epochKey = this.nextEpochKey;
      this.chainKey.fill(0);
      this.chainKey = channelChainKey(this.provider, epochKey);
      this.nextEpochKey = channelNextEpochKey(this.provider, epochKey);
      epochKey.fill(0);
      this.epochNumber++;
      this.nextSeq = 0;
      this.bytesSent = 0;
      this.rekeyAsked = false;
    }
    return {
      epoch: this.epochNumber,
      seq: this.nextSeq,
      key: channelMessageKey(this.provider, this.chainKey),
    };
  }

  /** Records a sealed frame of `bytes` plaintext bytes: steps the chain past it. */
  consume(bytes: number): void {
    const next = channelNextChainKey(this.provider, this.chainKey);
    this.chainKey.fill(0);
    this.chainKey = next;
    this.nextSeq++;
    this.bytesSent += bytes;
  }

  /** Zeroes every key held. */
  erase(): void {
    this.chainKey.fill(0);
    this.nextEpochKey.fill(0);
  }

  /** Copies of every key held, for the test-only inspector. */
  keyMaterial(): Uint8Array[] {
    return [new Uint8Array(this.chainKey), new Uint8Array(this.nextEpochKey)];
  }
}

import type { CryptoProvider } from '../crypto-provider.ts';
import { FutureEpochError } from './channel-errors.ts';
import { channelMessageKey, channelNextEpochKey } from './channel-key-schedule.ts';
import type { EpochPolicy } from './epoch-policy.ts';

/** The last epoch: the KeyEpoch extension is a u16. */
const LAST_EPOCH = 0xffff;

/**
 * The sending side of one packet class of one channel: the current epoch's key, the next seq
 * and what the epoch has carried. The epoch advances when its policy says so or when a re-key
 * was asked for; the old epoch key is zeroed at once (the receiver keeps its own copy for the
 * overlap).
 */
export class ClassSender {
  private epochKey: Uint8Array;
  private epochNumber = 0;
  private nextSeq = 0;
  private bytesSent = 0;
  private rekeyAsked = false;

  constructor(
    private readonly provider: CryptoProvider,
    epochZeroKey: Uint8Array,
    private readonly policy: EpochPolicy,
  ) {
    this.epochKey = epochZeroKey;
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
   * Nothing is consumed until {@link ClassSender.consume}.
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
      const next = channelNextEpochKey(this.provider, this.epochKey);
      this.epochKey.fill(0);
      this.epochKey = next;
      this.epochNumber++;
      this.nextSeq = 0;
      this.bytesSent = 0;
      this.rekeyAsked = false;
    }
    return {
      epoch: this.epochNumber,
      seq: this.nextSeq,
      key: channelMessageKey(this.provider, this.epochKey, this.nextSeq),
    };
  }

  /** Records a sealed frame of `bytes` plaintext bytes. */
  consume(bytes: number): void {
    this.nextSeq++;
    this.bytesSent += bytes;
  }

  /** Zeroes the epoch key. */
  erase(): void {
    this.epochKey.fill(0);
  }
}

// COMPATIBILITY CODE (wire version 0): opens the reference's secure frames (PROTOCOL.md §10.5)
// with the sound behaviour of §19 instead of the reference's receiver. Not Elara's default.
import {
  AUTH_TAG_SIZE,
  ClosedError,
  FIXED_HEADER_SIZE,
  OutOfRangeError,
  type FixedHeader,
  InvalidWireFormatError,
  MAX_FRAME_SIZE,
  type NodeId,
  PACKET_CLASSES,
  type SessionId,
  SuiteNibble,
  TooLargeError,
  UnknownEnumValueError,
  WireVersion,
  decodeFrame,
} from '@elara/core';
import { CapacityError, SessionMismatchError } from '../crypto-errors.ts';
import type { CryptoProvider } from '../crypto-provider.ts';
import { KEY_LENGTH, NONCE_LENGTH } from '../crypto-provider.ts';
import { checkBytes, checkLength } from '../internal/check-bytes.ts';
import { checkU64 } from '../internal/check-u64.ts';
import { V0EpochKeys } from './v0-epoch-keys.ts';
import { v0Nonce } from './v0-nonce.ts';
import { V0ReceiveChain } from './v0-receive-chain.ts';

// A chain backed by the shared memo never reads its own base key.
const ZERO_KEY = new Uint8Array(KEY_LENGTH);

/** The receiving node's session, its pre-shared key, and the bounds of its tables. */
export interface V0OpenerConfig {
  readonly sessionId: SessionId;
  readonly sessionKey: Uint8Array;
  /** Senders tracked at once; a new sender beyond this is a `CapacityError`. Default 256. */
  readonly maxSenders?: number;
  /** How many epochs a frame may jump ahead of the newest one. Default 64. */
  readonly maxEpochSkip?: number;
}

/** An opened frame: its header (a plain copy) and the decrypted payload. */
export interface V0OpenedFrame {
  readonly header: FixedHeader;
  readonly plaintext: Uint8Array;
}

/**
 * Opens v0 secure frames sealed by the reference (or by {@link V0FrameSealer}), behind the
 * same bytes but without the reference receiver's bugs (PROTOCOL.md §19):
 *
 * - the key comes from the frame's seq, per (sender, class), not from a counter shared with
 *   sending (see `V0ReceiveChain`), so loss, reordering and several senders work;
 * - the AAD is what the sender authenticated: the first 30 bytes with headerLen read as 30, so
 *   frames with extensions open too. Their extension bytes were never authenticated by the
 *   sender, so they are skipped, not returned;
 * - replays are refused per (sender, class) only after the tag checks, so forged frames burn
 *   nothing;
 * - input the reference accepted but never sends is refused by name: a version or suite nibble
 *   other than 0, headerLen below 30, more than 1400 bytes, a trailing block that is not zero.
 *
 * Errors: core's `WireError`s for malformed frames, `SessionMismatchError`, `ReplayError`,
 * `KeyUnavailableError`, `TruncatedCiphertextError`, `AuthenticationError`, `CapacityError`.
 *
 * @example
 * const opener = new V0FrameOpener(crypto, { sessionId, sessionKey });
 * const { header, plaintext } = opener.open(datagram);
 */
export class V0FrameOpener {
  private readonly epochKeys: V0EpochKeys[];
  private readonly senders = new Map<NodeId, (V0ReceiveChain | undefined)[]>();
  private readonly aad = new Uint8Array(FIXED_HEADER_SIZE);
  private readonly nonce = new Uint8Array(NONCE_LENGTH);
  private readonly maxSenders: number;
  private readonly maxEpochSkip: number;
  private closed = false;

  constructor(
    private readonly provider: CryptoProvider,
    private readonly config: V0OpenerConfig,
  ) {
    checkLength(config?.sessionKey, KEY_LENGTH, 'v0 session key');
    checkU64(config.sessionId, 'v0 opener session id');
    // One memo per class shared by every sender: v0 chains depend on the session key and the
    // class only, so each epoch is derived once per session, not once per sender.
    this.epochKeys = PACKET_CLASSES.map((c) => new V0EpochKeys(provider, config.sessionKey, c));
    this.maxSenders = positiveInteger(config.maxSenders ?? 256, 'maxSenders');
    this.maxEpochSkip = positiveInteger(config.maxEpochSkip ?? 64, 'maxEpochSkip');
  }

  /** How many senders have state here. */
  get senderCount(): number {
    return this.senders.size;
  }

  /** Opens one datagram; see the class comment for what is refused and how. */
  open(bytes: Uint8Array): V0OpenedFrame {
    if (this.closed) throw new ClosedError('v0 frame opener: disposed');
    checkBytes(bytes, 'frame');
    if (bytes.length > MAX_FRAME_SIZE)
      throw new TooLargeError(bytes.length, MAX_FRAME_SIZE, 'frame');
    const frame = decodeFrame(bytes);
    const header = frame.header;
    if (header.version !== WireVersion.V0)
      throw new UnknownEnumValueError('WireVersion', header.version);
    if (header.suite !== SuiteNibble.Suite0)
      throw new UnknownEnumValueError('CryptoSuite', header.suite);
    if (header.headerLen < FIXED_HEADER_SIZE) {
      throw new InvalidWireFormatError(`header length ${header.headerLen} is below 30`);
    }
    if (header.sessionId !== this.config.sessionId) {
      throw new SessionMismatchError(
        `frame for session ${header.sessionId}, this opener serves ${this.config.sessionId}`,
      );
    }
    for (let i = 0; i < AUTH_TAG_SIZE; i++) {
      if (frame.authTag[i] !== 0) throw new InvalidWireFormatError('v0 trailing block is not zero');
    }
    let chains = this.senders.get(header.nodeId);
    if (chains === undefined && this.senders.size >= this.maxSenders) {
      throw new CapacityError(`v0 frame opener: already tracking ${this.maxSenders} senders`);
    }
    const chain =
      chains?.[header.packetClass] ??
      new V0ReceiveChain(
        this.provider,
        ZERO_KEY,
        header.packetClass,
        this.maxEpochSkip,
        this.epochKeys[header.packetClass],
      );
    const resolved = chain.resolve(header.seq);
    this.aad.set(bytes.subarray(0, FIXED_HEADER_SIZE));
    // The sender authenticated headerLen = 30 even when extensions follow.
    this.aad[2] = FIXED_HEADER_SIZE;
    this.aad[3] = 0;
    let plaintext: Uint8Array;
    try {
      plaintext = this.provider.aeadOpen(
        resolved.key,
        v0Nonce(header.nodeId, header.seq, header.packetClass, this.nonce),
        frame.payload,
        this.aad,
      );
    } catch (e) {
      chain.discard(resolved);
      throw e;
    } finally {
      resolved.key.fill(0);
    }
    chain.accept(resolved);
    if (chains === undefined) {
      chains = PACKET_CLASSES.map(() => undefined);
      this.senders.set(header.nodeId, chains);
    }
    chains[header.packetClass] = chain;
    return { header, plaintext };
  }

  /** Forgets a sender's state (when it leaves): its next frame starts a fresh chain. */
  removeSender(sender: NodeId): void {
    const chains = this.senders.get(sender);
    if (chains === undefined) return;
    for (const c of chains) c?.dispose();
    this.senders.delete(sender);
  }

  /** Zeroes every key held; later calls throw `ClosedError`. */
  dispose(): void {
    this.closed = true;
    for (const sender of [...this.senders.keys()]) this.removeSender(sender);
    for (const k of this.epochKeys) k.dispose();
  }
}

function positiveInteger(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new OutOfRangeError(`v0 frame opener: ${what} must be a positive integer, got ${value}`);
  }
  return value;
}

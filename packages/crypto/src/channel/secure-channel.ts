import {
  ClosedError,
  FIXED_HEADER_SIZE,
  FrameFlags,
  type FixedHeader,
  MAX_FRAME_SIZE,
  type NodeId,
  OutOfRangeError,
  PACKET_CLASSES,
  type PacketClass,
  type RepresentationProfile,
  type SessionId,
  SuiteNibble,
  TooLargeError,
  WireVersion,
  decodeFrameV1,
  encodeHeader,
  packetClassFromByte,
  packetClassProperties,
  representationProfileFromByte,
} from '@elara/core';
import { SessionMismatchError } from '../crypto-errors.ts';
import type { CryptoProvider } from '../crypto-provider.ts';
import { KEY_LENGTH, NONCE_LENGTH, TAG_LENGTH } from '../crypto-provider.ts';
import type { HandshakeResult } from '../handshake/handshake-result.ts';
import { checkBytes, checkLength } from '../internal/check-bytes.ts';
import { checkU64 } from '../internal/check-u64.ts';
import { ChannelMismatchError, ConsumedKeysError, UnknownSenderError } from './channel-errors.ts';
import { channelEpochZeroKey, writeChannelNonce } from './channel-key-schedule.ts';
import { type ChannelKeyMaterial, channelKeyMaterial } from './channel-inspection.ts';
import { ClassReceiver } from './class-receiver.ts';
import { ClassSender } from './class-sender.ts';
import {
  DEFAULT_MAX_SKIP,
  type EpochPolicy,
  MAX_EPOCH_MESSAGES,
  epochPolicies,
} from './epoch-policy.ts';
import { MAX_REPLAY_WINDOW } from './replay-window.ts';

/** Extension bytes every channel frame carries: RatchetId (6), KeyEpoch (4), End (1). */
const CHANNEL_EXTENSIONS_SIZE = 11;
/** Header length of every channel frame: 30 + 11. */
export const CHANNEL_HEADER_SIZE = FIXED_HEADER_SIZE + CHANNEL_EXTENSIONS_SIZE;
/** Largest plaintext of one channel frame: 1400 − 41 − 16 = 1343 bytes. */
export const CHANNEL_MAX_PLAINTEXT = MAX_FRAME_SIZE - CHANNEL_HEADER_SIZE - TAG_LENGTH;
// Where the fields a seal sets sit in the header (PROTOCOL.md §4; KeyEpoch's value after its
// type and length bytes).
const FLAGS_OFFSET = 1;
const CLASS_OFFSET = 20;
const PROFILE_OFFSET = 21;
const TIME_HINT_OFFSET = 22;
const SEQ_OFFSET = 28;
const EPOCH_OFFSET = FIXED_HEADER_SIZE + 8;
/** Flags a caller may set on a channel frame (Extension is always set, Handshake never). */
const CALLER_FLAGS =
  FrameFlags.Multipath |
  FrameFlags.Relay |
  FrameFlags.Fragment |
  FrameFlags.Repair |
  FrameFlags.Priority |
  FrameFlags.Compressed;

/**
 * How a channel re-keys and what it keeps. All optional; both ends of a channel must use the
 * same values (the receiver's `maxSkip` bounds the sender's epochs).
 */
export interface ChannelOptions {
  /**
   * Per-class epoch policies over `DEFAULT_EPOCH_POLICIES`, keyed by class byte; at most
   * `maxSkip + 1` frames per epoch. An unknown class is an `EpochPolicyError`.
   */
  readonly epochPolicies?: Partial<Record<PacketClass, EpochPolicy>> | null;
  /**
   * Replay window per (class, epoch), 1..1024, which also sizes the cache of skipped keys;
   * default: each class's effective window (64 or 32).
   */
  readonly replayWindow?: number;
  /** Previous epochs a receiver keeps open after a newer one arrives, 0..8; default 1. */
  readonly overlapEpochs?: number;
  /** How many epochs one frame may jump ahead, 1..64; default 16. */
  readonly maxEpochSkip?: number;
  /**
   * How many chain positions one frame may skip (lost or not yet arrived frames before it in
   * its epoch), 1..32 768; default `DEFAULT_MAX_SKIP` (512). It bounds the chain positions
   * frames can make a receiver derive ahead of the newest one opened, and every epoch policy
   * must keep epochs within `maxSkip + 1` frames, so an authentic frame is never further than
   * that: a frame further ahead is a `TooFarAheadError`.
   */
  readonly maxSkip?: number;
}

/** Results and root arrays a channel has taken (and zeroed): one handshake, one channel. */
const consumedRoots = new WeakSet<object>();

/** One frame to seal. */
export interface ChannelFrameInput {
  readonly packetClass: PacketClass;
  readonly profile: RepresentationProfile;
  /** i32, 100 µs units relative to the sender's τs. */
  readonly timeHint: number;
  /** Multipath, Relay, Fragment, Repair, Priority or Compressed bits; default none. */
  readonly flags?: number;
  readonly payload: Uint8Array;
}

/** An opened frame: its header (plain data), the epoch it was sealed in, its plaintext. */
export interface ChannelOpenedFrame {
  readonly header: FixedHeader;
  readonly epoch: number;
  readonly plaintext: Uint8Array;
}

/**
 * A pairwise secure channel (wire v1) from a completed handshake: per direction and per packet
 * class a chain of epoch keys, per epoch a symmetric ratchet of chain keys giving one message
 * key per frame (deleted once used), a bounded cache of skipped keys and a replay window per
 * class and epoch. See the README ("Secure channels") for the key schedule and the bytes.
 *
 * Opening checks, in this order, and changes no committed state unless all pass: parse (core's
 * `decodeFrameV1`), session, sender, channel (RatchetId), epoch, replay window (read only),
 * chain distance, AEAD over the header and extensions exactly as received; only then the
 * window, the chain and the skipped-key cache move. What deriving the key cost is kept in a
 * derivation cache (only keys the committed state derives, for positions not yet opened), so
 * no frame pays for the same derivation twice. Every refusal is a named error.
 *
 * @example
 * const channel = new SecureChannel(crypto, handshakeResult);
 * const datagram = channel.seal({ packetClass: PacketClass.Core, profile: 0, timeHint: 0, payload });
 * const { plaintext } = peerChannel.open(datagram);
 */
export class SecureChannel {
  /** The handshake's channel id. */
  readonly channelId: bigint;
  readonly sessionId: SessionId;
  readonly local: NodeId;
  readonly peer: NodeId;
  private readonly tag: number;
  private readonly senders: ClassSender[];
  private readonly receivers: ClassReceiver[];
  private readonly nonce = new Uint8Array(NONCE_LENGTH);
  /**
   * The header of the frame being sealed, built (and checked) before the chain moves: encoded
   * once by core's `encodeHeader` with the channel's fixed fields and extensions, then each
   * seal writes the bytes that change (flags, class, profile, time hint, seq, epoch). It is
   * also the AAD the frame is sealed under: the same bytes as the header copied into the target.
   */
  private readonly header = new Uint8Array(CHANNEL_HEADER_SIZE);
  /** The header's fields, for `encodeHeader` to name a profile or time hint out of range. */
  private readonly headerFields: FixedHeader;
  private closed = false;

  /**
   * Takes over the handshake's roots: derives every class's epoch-0 keys, then zeroes
   * `keys.sendKey` and `keys.receiveKey`. A result (or root array) already taken, or all-zero
   * roots, is a `ConsumedKeysError`; options out of range an `OutOfRangeError` (policies an
   * `EpochPolicyError`). A constructor that throws leaves the roots as they were.
   */
  constructor(
    private readonly provider: CryptoProvider,
    keys: HandshakeResult,
    options: ChannelOptions | null = {},
  ) {
    checkLength(keys?.sendKey, KEY_LENGTH, 'channel send key');
    checkLength(keys.receiveKey, KEY_LENGTH, 'channel receive key');
    checkU64(keys.channelId, 'channel id');
    checkU64(keys.sessionId, 'channel session id');
    checkU64(keys.local, 'channel local node id');
    checkU64(keys.peer?.nodeId, 'channel peer node id');
    const opts: ChannelOptions = options ?? {};
    if (typeof opts !== 'object') {
      throw new OutOfRangeError(`secure channel: options must be an object, got ${typeof opts}`);
    }
    const overlap = bounded(opts.overlapEpochs ?? 1, 0, 8, 'overlapEpochs');
    const maxEpochSkip = bounded(opts.maxEpochSkip ?? 16, 1, 64, 'maxEpochSkip');
    const maxSkip = bounded(opts.maxSkip ?? DEFAULT_MAX_SKIP, 1, MAX_EPOCH_MESSAGES, 'maxSkip');
    const policies = epochPolicies(opts.epochPolicies, maxSkip);
    const window = opts.replayWindow;
    if (window !== undefined) bounded(window, 1, MAX_REPLAY_WINDOW, 'replayWindow');
    checkRootsUnused(keys);
    this.channelId = keys.channelId;
    this.sessionId = keys.sessionId;
    this.local = keys.local;
    this.peer = keys.peer.nodeId;
    this.tag = Number(BigInt.asUintN(32, keys.channelId));
    this.headerFields = {
      version: WireVersion.V1,
      suite: SuiteNibble.Suite0,
      flags: FrameFlags.Extension,
      headerLen: CHANNEL_HEADER_SIZE,
      sessionId: this.sessionId,
      nodeId: this.local,
      packetClass: PACKET_CLASSES[0] as PacketClass,
      profile: 0,
      timeHint: 0,
      window: 0,
      seq: 0,
    };
    encodeHeader(this.headerFields, this.header, 0);
    writeChannelExtensions(this.header, FIXED_HEADER_SIZE, this.tag, 0);
    this.senders = PACKET_CLASSES.map(
      (c) =>
        new ClassSender(
          provider,
          channelEpochZeroKey(provider, keys.sendKey, c),
          policies[c] as EpochPolicy,
        ),
    );
    this.receivers = PACKET_CLASSES.map(
      (c) =>
        new ClassReceiver(provider, channelEpochZeroKey(provider, keys.receiveKey, c), {
          windowSize: window ?? packetClassProperties(c).replayWindowEffective,
          overlap,
          maxEpochSkip,
          maxSkip,
        }),
    );
    keys.sendKey.fill(0);
    keys.receiveKey.fill(0);
    consumedRoots.add(keys);
    consumedRoots.add(keys.sendKey);
    consumedRoots.add(keys.receiveKey);
  }

  /** True once {@link SecureChannel.close} ran. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** The epoch this side's next frame of `packetClass` will carry (before any due re-key). */
  sendEpoch(packetClass: PacketClass): number {
    return (this.senders[packetClassFromByte(packetClass)] as ClassSender).epoch;
  }

  /** The newest epoch of `packetClass` this side has opened from the peer. */
  receiveEpoch(packetClass: PacketClass): number {
    return (this.receivers[packetClassFromByte(packetClass)] as ClassReceiver).currentEpoch;
  }

  /**
   * Moves `packetClass` (or every class) to its next epoch before its next frame. The peer
   * keeps the previous epoch open for frames still in flight, so traffic is not interrupted.
   * A class at its last epoch (65 535) is an `EpochsExhaustedError` (for every class at once:
   * if any is, none moves): only a new handshake carries it further.
   */
  rekey(packetClass?: PacketClass): void {
    this.checkOpen();
    if (packetClass === undefined) {
      for (const s of this.senders) s.checkNotLast();
      for (const s of this.senders) s.requestRekey();
    } else {
      (this.senders[packetClassFromByte(packetClass)] as ClassSender).requestRekey();
    }
  }

  /** Seals one frame into a new array of exactly its size. */
  seal(input: ChannelFrameInput): Uint8Array {
    checkBytes(input?.payload, 'payload');
    const out = new Uint8Array(CHANNEL_HEADER_SIZE + input.payload.length + TAG_LENGTH);
    this.sealInto(input, out, 0);
    return out;
  }

  /**
   * Seals one frame into `target` at `offset` and returns the offset after it: header (41
   * bytes), then ciphertext ‖ tag. The payload may sit in `target` itself (at `offset + 41`
   * to seal in place, or anywhere past the header) but not under the header's 41 bytes
   * (`OutOfRangeError`). Beyond the cipher's own buffers and the one 64-byte HMAC-SHA512 output
   * the chain step returns (zeroed once split), nothing is allocated for keys: they are derived
   * into the channel's reused buffers. A payload over 1343 bytes is a `TooLargeError`; a field
   * out of range an `OutOfRangeError`; a class past its last epoch an `EpochsExhaustedError`.
   * Nothing is written into `target` unless the frame is sealed.
   */
  sealInto(input: ChannelFrameInput, target: Uint8Array, offset = 0): number {
    this.checkOpen();
    const payload = input?.payload;
    checkBytes(payload, 'payload');
    if (payload.length > CHANNEL_MAX_PLAINTEXT) {
      throw new TooLargeError(payload.length, CHANNEL_MAX_PLAINTEXT, 'channel frame plaintext');
    }
    checkBytes(target, 'target');
    const end = offset + CHANNEL_HEADER_SIZE + payload.length + TAG_LENGTH;
    if (!Number.isSafeInteger(offset) || offset < 0 || end > target.length) {
      throw new OutOfRangeError(`channel frame target: needs ${end} bytes, has ${target.length}`);
    }
    const flags = input.flags ?? 0;
    if (!Number.isInteger(flags) || (flags & ~CALLER_FLAGS) !== 0) {
      throw new OutOfRangeError(`channel frame flags: ${flags}`);
    }
    const headerAt = target.byteOffset + offset;
    if (
      payload.length > 0 &&
      payload.buffer === target.buffer &&
      payload.byteOffset < headerAt + CHANNEL_HEADER_SIZE &&
      headerAt < payload.byteOffset + payload.length
    ) {
      throw new OutOfRangeError(
        'channel frame payload: overlaps the header it would be sealed under',
      );
    }
    const packetClass = packetClassFromByte(input.packetClass);
    const { profile, timeHint } = input;
    // Profile and time hint are checked first, as encodeHeader checks them, so a frame that
    // cannot be built moves no epoch; only an invalid one goes through encodeHeader (into a
    // copy of the fields), for core's error naming the field.
    if (representationProfileFromByte(profile) !== profile || (timeHint | 0) !== timeHint) {
      encodeHeader({ ...this.headerFields, profile, timeHint }, new Uint8Array(FIXED_HEADER_SIZE));
    }
    const header = this.header;
    header[FLAGS_OFFSET] = flags | FrameFlags.Extension;
    header[CLASS_OFFSET] = packetClass;
    header[PROFILE_OFFSET] = profile;
    header[TIME_HINT_OFFSET] = timeHint & 0xff;
    header[TIME_HINT_OFFSET + 1] = (timeHint >>> 8) & 0xff;
    header[TIME_HINT_OFFSET + 2] = (timeHint >>> 16) & 0xff;
    header[TIME_HINT_OFFSET + 3] = timeHint >>> 24;
    const sender = this.senders[packetClass] as ClassSender;
    const key = sender.next(payload.length);
    const epoch = sender.epoch;
    const seq = sender.sealedInEpoch - 1;
    try {
      header[SEQ_OFFSET] = seq & 0xff;
      header[SEQ_OFFSET + 1] = seq >>> 8;
      header[EPOCH_OFFSET] = epoch & 0xff;
      header[EPOCH_OFFSET + 1] = epoch >>> 8;
      target.set(header, offset);
      const headerEnd = offset + CHANNEL_HEADER_SIZE;
      this.provider.aeadSeal(
        key,
        writeChannelNonce(this.nonce, epoch, seq, packetClass),
        payload,
        header,
        target.subarray(headerEnd, end),
      );
    } finally {
      key.fill(0);
    }
    return end;
  }

  /**
   * Opens one datagram from the peer. Errors: core's wire errors (malformed),
   * `SessionMismatchError`, `UnknownSenderError`, `ChannelMismatchError`, `StaleEpochError`,
   * `FutureEpochError`, `DuplicateFrameError`, `BeyondWindowError`, `TooFarAheadError`,
   * `AuthenticationError`, `ClosedError`; none of them changes the committed state (windows,
   * chain heads, cached skipped keys), only perhaps the derivation cache.
   */
  open(bytes: Uint8Array): ChannelOpenedFrame {
    this.checkOpen();
    checkBytes(bytes, 'frame');
    const frame = decodeFrameV1(bytes);
    const header = frame.header;
    if (header.sessionId !== this.sessionId) {
      throw new SessionMismatchError(
        `frame for session ${header.sessionId}, this channel serves ${this.sessionId}`,
      );
    }
    if (header.nodeId !== this.peer) {
      throw new UnknownSenderError(
        `frame from ${header.nodeId}, this channel's peer is ${this.peer}`,
      );
    }
    const { ratchetId, keyEpoch } = frame.extensions;
    if (
      ratchetId === undefined ||
      keyEpoch === undefined ||
      (header.flags & FrameFlags.Handshake) !== 0
    ) {
      throw new ChannelMismatchError('not a channel frame: RatchetId or KeyEpoch missing');
    }
    if (ratchetId !== this.tag) {
      throw new ChannelMismatchError(`frame of channel ${ratchetId}, this one is ${this.tag}`);
    }
    const receiver = this.receivers[header.packetClass] as ClassReceiver;
    const pending = receiver.prepare(keyEpoch, header.seq);
    let plaintext: Uint8Array;
    try {
      plaintext = this.provider.aeadOpen(
        receiver.messageKey,
        writeChannelNonce(this.nonce, keyEpoch, header.seq, header.packetClass),
        bytes.subarray(header.headerLen),
        bytes.subarray(0, header.headerLen),
      );
    } catch (e) {
      receiver.discard(pending);
      throw e;
    }
    receiver.commit(pending);
    return { header, epoch: keyEpoch, plaintext };
  }

  /** Erases every key of both directions; later calls throw `ClosedError`. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.senders) s.erase();
    for (const r of this.receivers) r.erase();
  }

  /**
   * Per class: the kept receive epochs, their windows, chain heads and cached skipped positions
   * (no key bytes): the committed state, which only authentic frames change. For tests and logs.
   */
  describeReceiveState(): string {
    return this.receivers.map((r, c) => `${c}[${r.describe()}]`).join(' ');
  }

  /**
   * Per class: the receiver's derivation cache (no key bytes): per chain, kept epochs then
   * epochs ahead, `epoch:frontier(checkpoint positions)last refused step's position`. Forged
   * frames may move it forward; it only ever holds what the committed state derives.
   */
  describeDerivationCache(): string {
    return this.receivers.map((r, c) => `${c}[${r.describeCache()}]`).join(' ');
  }

  /** Message keys of skipped positions held for the peer's frames, over every class and epoch. */
  get cachedReceiveKeys(): number {
    let n = 0;
    for (const r of this.receivers) n += r.cachedKeys;
    return n;
  }

  /** Test-only: copies of every key held (see `channel-inspection.ts`). */
  [channelKeyMaterial](): ChannelKeyMaterial {
    return {
      send: this.senders.map((s) => s.keyMaterial()),
      receive: this.receivers.map((r) => r.keyMaterial()),
      cache: this.receivers.map((r) => r.cacheMaterial()),
      scratch: this.senders.map((s, c) => [
        ...s.scratchMaterial(),
        ...(this.receivers[c] as ClassReceiver).scratchMaterial(),
      ]),
      buffers: this.senders.map((s, c) => [
        ...s.keyMaterial(),
        ...s.scratchMaterial(),
        ...(this.receivers[c] as ClassReceiver).buffers(),
      ]),
    };
  }

  private checkOpen(): void {
    if (this.closed) throw new ClosedError('secure channel: closed');
  }
}

// RatchetId (type 01, 4 bytes: the channel tag) ‖ KeyEpoch (type 02, 2 bytes) ‖ End (ff), the
// bytes core's encodeExtensions writes for these two, written without building an object.
function writeChannelExtensions(target: Uint8Array, at: number, tag: number, epoch: number): void {
  target[at] = 0x01;
  target[at + 1] = 4;
  target[at + 2] = tag & 0xff;
  target[at + 3] = (tag >>> 8) & 0xff;
  target[at + 4] = (tag >>> 16) & 0xff;
  target[at + 5] = tag >>> 24;
  target[at + 6] = 0x02;
  target[at + 7] = 2;
  target[at + 8] = epoch & 0xff;
  target[at + 9] = epoch >>> 8;
  target[at + 10] = 0xff;
}

/** Refuses roots a channel already took, all-zero roots, and one array for both directions. */
function checkRootsUnused(keys: HandshakeResult): void {
  const { sendKey, receiveKey } = keys;
  if (consumedRoots.has(keys) || consumedRoots.has(sendKey) || consumedRoots.has(receiveKey)) {
    throw new ConsumedKeysError('secure channel: this handshake result already made a channel');
  }
  if (sendKey === receiveKey) {
    throw new ConsumedKeysError('secure channel: send and receive roots are one array');
  }
  let sendBits = 0;
  let receiveBits = 0;
  for (let i = 0; i < KEY_LENGTH; i++) {
    sendBits |= sendKey[i] as number;
    receiveBits |= receiveKey[i] as number;
  }
  if (sendBits === 0 || receiveBits === 0) {
    throw new ConsumedKeysError('secure channel: all-zero roots (already taken, or zeroed)');
  }
}

function bounded(value: number, min: number, max: number, what: string): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new OutOfRangeError(`secure channel: ${what} must be ${min}..${max}, got ${value}`);
  }
  return value;
}

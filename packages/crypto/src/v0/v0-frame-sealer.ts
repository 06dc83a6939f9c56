// COMPATIBILITY CODE (wire version 0): the reference's `SecureFrameProcessor::encrypt_frame`
// (PROTOCOL.md §10.4), byte for byte, trailing zero block included. Not Elara's default.
import {
  AUTH_TAG_SIZE,
  ClosedError,
  FIXED_HEADER_SIZE,
  FrameFlags,
  type HeaderExtensions,
  MAX_FRAME_SIZE,
  NO_EXTENSIONS,
  type NodeId,
  type PacketClass,
  type RepresentationProfile,
  type SessionId,
  TooLargeError,
  checkExtensions,
  encodeFrame,
  encodeHeader,
  fixedHeader,
  hasExtensions,
  packetClassFromByte,
  packetClassProperties,
  PACKET_CLASSES,
} from '@elara/core';
import type { CryptoProvider } from '../crypto-provider.ts';
import { KEY_LENGTH, NONCE_LENGTH, TAG_LENGTH } from '../crypto-provider.ts';
import { checkBytes, checkLength } from '../internal/check-bytes.ts';
import { checkU64 } from '../internal/check-u64.ts';
import { V0ClassRatchet } from './v0-class-ratchet.ts';
import { v0Nonce } from './v0-nonce.ts';

/** Largest plaintext of a v0 secure frame without extensions: 1400 − 30 − 16 − 16 = 1338. */
export const V0_MAX_PLAINTEXT = MAX_FRAME_SIZE - FIXED_HEADER_SIZE - TAG_LENGTH - AUTH_TAG_SIZE;

/** Who seals: the session, this node, and the 32-byte pre-shared session key. */
export interface V0SealerConfig {
  readonly sessionId: SessionId;
  readonly nodeId: NodeId;
  readonly sessionKey: Uint8Array;
}

/** One frame to seal. */
export interface V0FrameInput {
  readonly packetClass: PacketClass;
  readonly profile: RepresentationProfile;
  /** i32, 100 µs units relative to the sender's τs. */
  readonly timeHint: number;
  /** Sent in clear and, as in the reference, not authenticated. */
  readonly extensions?: HeaderExtensions;
  readonly payload: Uint8Array;
}

const ZERO_BLOCK = new Uint8Array(AUTH_TAG_SIZE);

/**
 * Seals frames exactly as the reference's sender does, so a Rust node can open them:
 *
 * `header(30, headerLen = 30 + E) ‖ extensions(E) ‖ ChaCha20-Poly1305(payload) ‖ tag(16) ‖ 00×16`
 *
 * Per class: the message key is the class ratchet's next key, seq a 16-bit counter from 0; the
 * nonce is (sender, seq, class); the AAD is the 30 header bytes with headerLen = 30 even when
 * extensions follow (so extensions are never authenticated); the window half of `seq_window`
 * holds the class's declared replay window. One difference: a frame that cannot be built
 * (too large, a field out of range) consumes no key and no seq, where the reference had
 * already advanced both.
 *
 * @example
 * const sealer = new V0FrameSealer(crypto, { sessionId, nodeId, sessionKey });
 * const datagram = sealer.seal({
 *   packetClass: PacketClass.Core, profile: RepresentationProfile.Textual, timeHint: 0, payload,
 * });
 */
export class V0FrameSealer {
  private readonly ratchets: V0ClassRatchet[];
  private readonly seqs = new Uint16Array(PACKET_CLASSES.length);
  private readonly aad = new Uint8Array(FIXED_HEADER_SIZE);
  private readonly nonce = new Uint8Array(NONCE_LENGTH);
  private readonly sealed = new Uint8Array(MAX_FRAME_SIZE);
  private closed = false;

  constructor(
    private readonly provider: CryptoProvider,
    private readonly config: V0SealerConfig,
  ) {
    checkLength(config?.sessionKey, KEY_LENGTH, 'v0 session key');
    checkU64(config.sessionId, 'v0 sealer session id');
    checkU64(config.nodeId, 'v0 sealer node id');
    this.ratchets = PACKET_CLASSES.map((c) => new V0ClassRatchet(provider, config.sessionKey, c));
  }

  /** The seq the next frame of `packetClass` will carry. */
  nextSeq(packetClass: PacketClass): number {
    return this.seqs[packetClassFromByte(packetClass)] as number;
  }

  /**
   * The wire bytes of one sealed frame. Too large (over 1400 bytes in all, so 1338 bytes of
   * plaintext without extensions) is a `TooLargeError`; a field out of range an
   * `OutOfRangeError`; an unknown class an `UnknownEnumValueError`.
   */
  seal(input: V0FrameInput): Uint8Array {
    if (this.closed) throw new ClosedError('v0 frame sealer: disposed');
    checkBytes(input?.payload, 'payload');
    const packetClass = packetClassFromByte(input.packetClass);
    const extensions = input.extensions ?? NO_EXTENSIONS;
    checkExtensions(extensions);
    const payload = input.payload;
    checkBytes(payload, 'payload');
    if (payload.length > V0_MAX_PLAINTEXT) {
      throw new TooLargeError(payload.length, V0_MAX_PLAINTEXT, 'v0 secure frame plaintext');
    }
    const seq = this.seqs[packetClass] as number;
    const header = fixedHeader(this.config.sessionId, this.config.nodeId, {
      packetClass,
      profile: input.profile,
      timeHint: input.timeHint,
      seq,
      window: packetClassProperties(packetClass).replayWindowDeclared,
      flags: hasExtensions(extensions) ? FrameFlags.Extension : 0,
    });
    encodeHeader(header, this.aad);
    const ratchet = this.ratchets[packetClass] as V0ClassRatchet;
    const key = ratchet.messageKey();
    const sealed = this.provider.aeadSeal(
      key,
      v0Nonce(this.config.nodeId, seq, packetClass, this.nonce),
      payload,
      this.aad,
      this.sealed,
    );
    key.fill(0);
    const frame = encodeFrame({ header, extensions, payload: sealed, authTag: ZERO_BLOCK });
    // Only a frame that exists consumes its key and seq.
    ratchet.advanceMessage();
    this.seqs[packetClass] = (seq + 1) & 0xffff;
    return frame;
  }

  /** Zeroes the ratchets' chain keys; later calls throw `ClosedError`. */
  dispose(): void {
    this.closed = true;
    for (const r of this.ratchets) r.dispose();
    this.sealed.fill(0);
  }
}

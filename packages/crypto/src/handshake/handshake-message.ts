import {
  AUTH_TAG_SIZE,
  ByteReader,
  FIXED_HEADER_SIZE,
  FrameFlags,
  InvalidWireFormatError,
  NO_EXTENSIONS,
  type NodeId,
  PacketClass,
  RepresentationProfile,
  type SessionId,
  UnknownEnumValueError,
  V1_FIRST_BYTE,
  WireVersion,
  decodeControlMessage,
  decodeFrameV1,
  encodeControlMessage,
  encodeFrame,
  fixedHeader,
} from '@elara/core';
import { KEY_LENGTH } from '../crypto-provider.ts';
import { checkBytes } from '../internal/check-bytes.ts';

/**
 * The first byte of a handshake message's body (inside core's control-plane handshake message,
 * `0x02 0x01 ‖ body`). Init and Finish travel to the responder; Retry, Response and Accept to
 * the initiator.
 */
export const HandshakeMessageType = {
  Init: 0x01,
  Retry: 0x02,
  Response: 0x03,
  Finish: 0x04,
  Accept: 0x05,
} as const;
export type HandshakeMessageType = (typeof HandshakeMessageType)[keyof typeof HandshakeMessageType];

/** Length of a retry cookie, an Init's binder and a Retry's echo. */
export const COOKIE_LENGTH = 16;
/** Length of an invite id. */
export const INVITE_ID_LENGTH = 16;
/** Length of the sealed identity in Response and Finish: Ed25519 key, X25519 key, signature. */
export const SEALED_IDENTITY_LENGTH = KEY_LENGTH + KEY_LENGTH + 64;

/** Where the body starts: the 30-byte header, then core's `0x02 0x01` control prefix. */
const BODY_AT = FIXED_HEADER_SIZE + 2;
/** type u8 ‖ handshakeId u64. */
const COMMON = 9;
const INIT_INVITE_FLAG = 0x01;
const INIT_COOKIE_FLAG = 0x02;
const INIT_BODY = COMMON + 1 + 8 + KEY_LENGTH + COOKIE_LENGTH;
const INVITE_REFERENCE = INVITE_ID_LENGTH + 8;

/**
 * Exact datagram sizes (header 30, control prefix 2, body, trailer 16), all far below the
 * 1400-byte frame limit, so each message is one datagram.
 */
export const HANDSHAKE_MESSAGE_SIZES = {
  init: BODY_AT + INIT_BODY + AUTH_TAG_SIZE,
  initWithInvite: BODY_AT + INIT_BODY + INVITE_REFERENCE + AUTH_TAG_SIZE,
  retry: BODY_AT + COMMON + 2 * COOKIE_LENGTH + AUTH_TAG_SIZE,
  response: BODY_AT + COMMON + KEY_LENGTH + SEALED_IDENTITY_LENGTH + AUTH_TAG_SIZE,
  finish: BODY_AT + COMMON + SEALED_IDENTITY_LENGTH + AUTH_TAG_SIZE,
  accept: BODY_AT + COMMON + AUTH_TAG_SIZE,
} as const;

/** Offsets inside an Init datagram that the retry cookie computation neutralises. */
export const INIT_FLAGS_AT = BODY_AT + COMMON;
/** Offset of an Init's cookie field. */
export const INIT_COOKIE_AT = BODY_AT + COMMON + 1 + 8 + KEY_LENGTH;

/** Which invite a joiner redeems: its id and expiry (the secret never travels). */
export interface InviteReference {
  /** 16 bytes. */
  readonly inviteId: Uint8Array;
  /** Unix-epoch µs. */
  readonly expiresAt: number;
}

/** What every handshake message carries. Byte fields are views into `datagram`. */
interface MessageCommon {
  readonly sessionId: SessionId;
  /** The sender's NodeId from the header (claimed; authenticated by Response and Finish). */
  readonly sender: NodeId;
  /** Chosen by the initiator per attempt; names the handshake in every message. */
  readonly handshakeId: bigint;
  /** The whole datagram. */
  readonly datagram: Uint8Array;
  /** The bytes mixed into the transcript before the protected part (see `protectedPart`). */
  readonly prefix: Uint8Array;
  /** Binder (Init), zeros (Retry), or ciphertext ‖ tag (Response, Finish, Accept). */
  readonly protectedPart: Uint8Array;
}

/** Init: the initiator's ephemeral key, and a cookie once the responder asked for one. */
export interface InitMessage extends MessageCommon {
  readonly type: typeof HandshakeMessageType.Init;
  readonly responder: NodeId;
  readonly ephemeral: Uint8Array;
  readonly cookie: Uint8Array | undefined;
  readonly invite: InviteReference | undefined;
}

/** Retry: the responder's stateless cookie, bound to the Init it answers by `echo`. */
export interface RetryMessage extends MessageCommon {
  readonly type: typeof HandshakeMessageType.Retry;
  readonly echo: Uint8Array;
  readonly cookie: Uint8Array;
}

/** Response: the responder's ephemeral key and its sealed identity and signature. */
export interface ResponseMessage extends MessageCommon {
  readonly type: typeof HandshakeMessageType.Response;
  readonly ephemeral: Uint8Array;
}

/** Finish: the initiator's sealed identity and signature. */
export interface FinishMessage extends MessageCommon {
  readonly type: typeof HandshakeMessageType.Finish;
}

/** Accept: the responder's key confirmation (an AEAD tag over the whole transcript). */
export interface AcceptMessage extends MessageCommon {
  readonly type: typeof HandshakeMessageType.Accept;
}

/** A decoded handshake message. */
export type HandshakeMessage =
  InitMessage | RetryMessage | ResponseMessage | FinishMessage | AcceptMessage;

/** Fields of an Init to encode. */
export interface InitFields {
  readonly sessionId: SessionId;
  readonly sender: NodeId;
  readonly handshakeId: bigint;
  readonly responder: NodeId;
  readonly ephemeral: Uint8Array;
  readonly cookie: Uint8Array | undefined;
  readonly invite: InviteReference | undefined;
}

function datagram(
  sessionId: SessionId,
  sender: NodeId,
  body: Uint8Array,
  trailer: Uint8Array,
): Uint8Array {
  return encodeFrame({
    header: fixedHeader(sessionId, sender, {
      version: WireVersion.V1,
      flags: FrameFlags.Handshake,
      packetClass: PacketClass.Core,
      profile: RepresentationProfile.Textual,
    }),
    extensions: NO_EXTENSIONS,
    payload: encodeControlMessage({ type: 'handshake', bytes: body }),
    authTag: trailer,
  });
}

function body(size: number, type: HandshakeMessageType, handshakeId: bigint): Uint8Array {
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out[0] = type;
  view.setBigUint64(1, handshakeId, true);
  return out;
}

const ZERO_TRAILER = new Uint8Array(AUTH_TAG_SIZE);

/** An Init with a zero binder; the caller writes the binder over the last 16 bytes. */
export function encodeInit(fields: InitFields): Uint8Array {
  const inviteBytes = fields.invite === undefined ? 0 : INVITE_REFERENCE;
  const b = body(INIT_BODY + inviteBytes, HandshakeMessageType.Init, fields.handshakeId);
  const view = new DataView(b.buffer);
  let flags = 0;
  if (fields.invite !== undefined) flags |= INIT_INVITE_FLAG;
  if (fields.cookie !== undefined) flags |= INIT_COOKIE_FLAG;
  b[COMMON] = flags;
  view.setBigUint64(COMMON + 1, fields.responder, true);
  b.set(fields.ephemeral, COMMON + 9);
  if (fields.cookie !== undefined) b.set(fields.cookie, COMMON + 9 + KEY_LENGTH);
  if (fields.invite !== undefined) {
    b.set(fields.invite.inviteId, INIT_BODY);
    view.setBigUint64(INIT_BODY + INVITE_ID_LENGTH, BigInt(fields.invite.expiresAt), true);
  }
  return datagram(fields.sessionId, fields.sender, b, ZERO_TRAILER);
}

/** A Retry answering an Init (sender: the responder). */
export function encodeRetry(
  sessionId: SessionId,
  sender: NodeId,
  handshakeId: bigint,
  echo: Uint8Array,
  cookie: Uint8Array,
): Uint8Array {
  const b = body(COMMON + 2 * COOKIE_LENGTH, HandshakeMessageType.Retry, handshakeId);
  b.set(echo, COMMON);
  b.set(cookie, COMMON + COOKIE_LENGTH);
  return datagram(sessionId, sender, b, ZERO_TRAILER);
}

/**
 * A Response, Finish or Accept with its protected part zeroed: the transcript needs the prefix
 * before the sealed bytes exist. The caller writes ciphertext ‖ tag at `protectedAt`.
 */
export function encodeSealedMessage(
  type:
    | typeof HandshakeMessageType.Response
    | typeof HandshakeMessageType.Finish
    | typeof HandshakeMessageType.Accept,
  sessionId: SessionId,
  sender: NodeId,
  handshakeId: bigint,
  ephemeral?: Uint8Array,
): { readonly datagram: Uint8Array; readonly protectedAt: number } {
  const sealedLength = type === HandshakeMessageType.Accept ? 0 : SEALED_IDENTITY_LENGTH;
  const ephemeralLength = type === HandshakeMessageType.Response ? KEY_LENGTH : 0;
  const b = body(COMMON + ephemeralLength + sealedLength, type, handshakeId);
  if (ephemeral !== undefined) b.set(ephemeral, COMMON);
  return {
    datagram: datagram(sessionId, sender, b, ZERO_TRAILER),
    protectedAt: BODY_AT + COMMON + ephemeralLength,
  };
}

function expectSize(actual: number, expected: number, what: string): void {
  if (actual !== expected) {
    throw new InvalidWireFormatError(`a handshake ${what} is ${expected} bytes, got ${actual}`);
  }
}

function allZero(bytes: Uint8Array): boolean {
  let acc = 0;
  for (let i = 0; i < bytes.length; i++) acc |= bytes[i] as number;
  return acc === 0;
}

/**
 * Decodes a handshake datagram strictly. The frame must be a v1 frame (core's `decodeFrameV1`)
 * whose flags are exactly `Handshake`, with class Core, profile Textual, and time hint, window
 * and seq zero; its payload core's control-plane handshake message; its body one of the five
 * messages at its exact size, with no unknown flag bits, a zero cookie field when no cookie is
 * flagged, and a zero trailer on a Retry. Anything else is a named core wire error
 * (`InvalidWireFormatError`, `BufferTooShortError`, `UnknownEnumValueError`, `TooLargeError`).
 * Byte fields are views into `bytes`.
 *
 * @example
 * const message = decodeHandshakeMessage(datagram);
 * if (message.type === HandshakeMessageType.Init) ...
 */
export function decodeHandshakeMessage(bytes: Uint8Array): HandshakeMessage {
  checkBytes(bytes, 'handshake datagram');
  const frame = decodeFrameV1(bytes);
  const h = frame.header;
  if (h.flags !== FrameFlags.Handshake) {
    throw new InvalidWireFormatError(`handshake frame flags must be exactly 0x80, got ${h.flags}`);
  }
  if (
    h.packetClass !== PacketClass.Core ||
    h.profile !== RepresentationProfile.Textual ||
    h.timeHint !== 0 ||
    h.window !== 0 ||
    h.seq !== 0
  ) {
    throw new InvalidWireFormatError(
      'handshake frame: class, profile, time hint, window and seq must be zero',
    );
  }
  const control = decodeControlMessage(frame.payload);
  if (control.type !== 'handshake') {
    throw new InvalidWireFormatError(`a ${control.type} control message in a handshake frame`);
  }
  const r = new ByteReader(control.bytes);
  const type = r.u8();
  const handshakeId = r.u64();
  const size = bytes.length;
  const common = (prefixEnd: number) => ({
    sessionId: h.sessionId,
    sender: h.nodeId,
    handshakeId,
    datagram: bytes,
    prefix: bytes.subarray(0, prefixEnd),
    protectedPart: bytes.subarray(prefixEnd),
  });
  switch (type) {
    case HandshakeMessageType.Init: {
      const flags = r.u8();
      if ((flags & ~(INIT_INVITE_FLAG | INIT_COOKIE_FLAG)) !== 0) {
        throw new InvalidWireFormatError(`unknown Init flags ${flags}`);
      }
      const withInvite = (flags & INIT_INVITE_FLAG) !== 0;
      expectSize(
        size,
        withInvite ? HANDSHAKE_MESSAGE_SIZES.initWithInvite : HANDSHAKE_MESSAGE_SIZES.init,
        'Init',
      );
      const responder = r.u64() as NodeId;
      const ephemeral = r.bytes(KEY_LENGTH);
      const cookieField = r.bytes(COOKIE_LENGTH);
      const withCookie = (flags & INIT_COOKIE_FLAG) !== 0;
      if (!withCookie && !allZero(cookieField)) {
        throw new InvalidWireFormatError('an Init without a cookie must zero its cookie field');
      }
      let invite: InviteReference | undefined;
      if (withInvite) {
        const inviteId = r.bytes(INVITE_ID_LENGTH);
        const expiresAt = r.u64();
        if (expiresAt > BigInt(Number.MAX_SAFE_INTEGER)) {
          throw new InvalidWireFormatError('invite expiry beyond 2^53 µs');
        }
        invite = { inviteId, expiresAt: Number(expiresAt) };
      }
      return {
        type,
        ...common(size - AUTH_TAG_SIZE),
        responder,
        ephemeral,
        cookie: withCookie ? cookieField : undefined,
        invite,
      };
    }
    case HandshakeMessageType.Retry: {
      expectSize(size, HANDSHAKE_MESSAGE_SIZES.retry, 'Retry');
      if (!allZero(frame.authTag)) throw new InvalidWireFormatError('a Retry trailer must be zero');
      const echo = r.bytes(COOKIE_LENGTH);
      const cookie = r.bytes(COOKIE_LENGTH);
      return { type, ...common(size - AUTH_TAG_SIZE), echo, cookie };
    }
    case HandshakeMessageType.Response: {
      expectSize(size, HANDSHAKE_MESSAGE_SIZES.response, 'Response');
      const ephemeral = r.bytes(KEY_LENGTH);
      return { type, ...common(BODY_AT + COMMON + KEY_LENGTH), ephemeral };
    }
    case HandshakeMessageType.Finish:
      expectSize(size, HANDSHAKE_MESSAGE_SIZES.finish, 'Finish');
      return { type, ...common(BODY_AT + COMMON) };
    case HandshakeMessageType.Accept:
      expectSize(size, HANDSHAKE_MESSAGE_SIZES.accept, 'Accept');
      return { type, ...common(BODY_AT + COMMON) };
    default:
      throw new UnknownEnumValueError('HandshakeMessageType', type);
  }
}

/** Where a handshake datagram goes: the fields a runtime needs to route it. */
export interface HandshakeRoute {
  readonly type: HandshakeMessageType;
  /** True for Init and Finish (to the node's `HandshakeResponder`). */
  readonly toResponder: boolean;
  /** Selects the `HandshakeInitiator` for Retry, Response and Accept. */
  readonly handshakeId: bigint;
  readonly sessionId: SessionId;
  /** The sender's claimed NodeId (authenticated only once the handshake completes). */
  readonly sender: NodeId;
}

/**
 * Decodes a handshake datagram just far enough to route it (see {@link decodeHandshakeMessage}
 * for the errors): Init and Finish go to the responder, the others to the initiator whose
 * `handshakeId` matches.
 *
 * @example
 * const route = routeHandshake(datagram);
 * if (route.toResponder) responder.receive(datagram, source, now);
 * else initiators.get(route.handshakeId)?.receive(datagram, now);
 */
export function routeHandshake(bytes: Uint8Array): HandshakeRoute {
  const m = decodeHandshakeMessage(bytes);
  return {
    type: m.type,
    toResponder: m.type === HandshakeMessageType.Init || m.type === HandshakeMessageType.Finish,
    handshakeId: m.handshakeId,
    sessionId: m.sessionId,
    sender: m.sender,
  };
}

/**
 * True when `bytes` starts like a v1 handshake frame (first byte 0x10, the Handshake flag set):
 * a cheap test for a demultiplexer, which then decodes (and may still refuse) the datagram.
 */
export function isHandshakeDatagram(bytes: Uint8Array): boolean {
  return (
    bytes.length >= FIXED_HEADER_SIZE &&
    bytes[0] === V1_FIRST_BYTE &&
    ((bytes[1] as number) & FrameFlags.Handshake) !== 0
  );
}

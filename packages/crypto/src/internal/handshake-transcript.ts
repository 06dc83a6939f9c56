// The steps of the handshake transcript that both sides run identically (README, "Key
// schedule"): the Init's binder, and the identity each side seals with its signature.
import type { NodeId } from '@elara/core';
import { CryptoError } from '../crypto-errors.ts';
import type { CryptoProvider, Ed25519VerifyingKey } from '../crypto-provider.ts';
import { KEY_LENGTH } from '../crypto-provider.ts';
import type { PublicIdentity } from '../identity.ts';
import { COOKIE_LENGTH } from '../handshake/handshake-message.ts';
import { HandshakeSignatureError } from '../handshake/handshake-errors.ts';
import { deriveNodeId } from '../node-id-derivation.ts';
import { concatBytes } from './concat-bytes.ts';
import { checkX25519PublicKey } from './x25519-checks.ts';
import { SymmetricState } from './symmetric-state.ts';

const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);

/** Names the pattern and suite; its hash starts every transcript (Noise's protocol name). */
export const PROTOCOL_NAME = ascii('Elara_v1_SIGMA-I_psk0_X25519_Ed25519_ChaChaPoly_SHA256');
/** Prefix of what the responder signs. */
export const RESPONDER_SIGNATURE_LABEL = ascii('elara v1 handshake responder\0');
/** Prefix of what the initiator signs. */
export const INITIATOR_SIGNATURE_LABEL = ascii('elara v1 handshake initiator\0');
/** HKDF info of the final split into the channel's two keys. */
export const CHANNEL_KEYS_INFO = ascii('elara v1 channel keys');
/** The PSK of a handshake without an invite (TLS 1.3 likewise uses zeros when there is none). */
export const NO_PSK = new Uint8Array(KEY_LENGTH);

/**
 * The transcript through an Init: hash the Init's prefix (everything but the trailer), mix the
 * initiator's ephemeral key into the chaining key (Noise's psk rule, so the PSK-derived key is
 * fresh per attempt), mix the PSK (Noise's psk0 step), then the binder = HMAC(k, h), first 16
 * bytes, which is hashed in as well. Returns the state after the binder and the binder.
 */
export function initTranscript(
  provider: CryptoProvider,
  initPrefix: Uint8Array,
  ephemeral: Uint8Array,
  psk: Uint8Array,
): { readonly state: SymmetricState; readonly binder: Uint8Array } {
  const state = SymmetricState.initial(provider, PROTOCOL_NAME);
  state.mixHash(initPrefix);
  state.mixKey(ephemeral);
  state.mixKeyAndHash(psk);
  const binder = state.mac(COOKIE_LENGTH);
  state.mixHash(binder);
  return { state, binder };
}

/** Ed25519 public key ‖ X25519 public key: the identity a side seals and signs. */
export function identityBytes(
  identity: Pick<PublicIdentity, 'signingPublicKey' | 'agreementPublicKey'>,
): Uint8Array {
  return concatBytes(identity.signingPublicKey, identity.agreementPublicKey);
}

/** A peer identity read from a sealed handshake message, with its signature checked. */
export interface OpenedIdentity {
  readonly identity: PublicIdentity;
  /** The 64 identity bytes as received (for the initiator's signature over both identities). */
  readonly bytes: Uint8Array;
}

/**
 * Reads `edPk ‖ xPk ‖ signature` and verifies the signature over `label ‖ h ‖ edPk ‖ xPk ‖
 * extra`. Keys no honest peer has raise the provider's named errors; a signature that does not
 * verify raises {@link HandshakeSignatureError} (a malformed one too, with the cause).
 */
export function openIdentity(
  provider: CryptoProvider,
  plaintext: Uint8Array,
  label: Uint8Array,
  h: Uint8Array,
  extra: Uint8Array,
): OpenedIdentity {
  const bytes = plaintext.slice(0, 2 * KEY_LENGTH);
  const signingPublicKey = bytes.slice(0, KEY_LENGTH);
  const agreementPublicKey = bytes.slice(KEY_LENGTH);
  const verifying: Ed25519VerifyingKey = provider.ed25519VerifyingKey(signingPublicKey);
  // Only checked (the shared small-order check both providers run), not prepared: the
  // handshake never computes with the peer's static X25519 key.
  checkX25519PublicKey(agreementPublicKey);
  let valid: boolean;
  try {
    valid = verifying.verify(
      concatBytes(label, h, bytes, extra),
      plaintext.subarray(2 * KEY_LENGTH),
    );
  } catch (e) {
    if (CryptoError.isInstance(e))
      throw new HandshakeSignatureError('handshake: malformed signature', { cause: e });
    throw e;
  }
  if (!valid) throw new HandshakeSignatureError('handshake: the peer signature does not verify');
  const nodeId: NodeId = deriveNodeId(provider, signingPublicKey);
  return { identity: { nodeId, signingPublicKey, agreementPublicKey }, bytes };
}

/** First 8 bytes of the handshake hash, little-endian: a short name for the channel. */
export function channelIdOf(handshakeHash: Uint8Array): bigint {
  return new DataView(handshakeHash.buffer, handshakeHash.byteOffset, 8).getBigUint64(0, true);
}

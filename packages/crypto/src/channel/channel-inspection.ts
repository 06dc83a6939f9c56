/**
 * Test-only access to a channel's key material (never re-exported by an entry point): the
 * forward-secrecy tests take a snapshot of everything a channel holds and show that no frame
 * it already opened can be opened again from it.
 */
export const channelKeyMaterial: unique symbol = Symbol('elara.channel.keyMaterial');

/** Copies of every key a channel holds, per class (index = class byte). */
export interface ChannelKeyMaterial {
  /** Per class: the chain key of the next frame, then the next epoch's key. */
  readonly send: readonly (readonly Uint8Array[])[];
  /** Per class: the next epoch's key, then per kept epoch its chain key and cached keys. */
  readonly receive: readonly (readonly Uint8Array[])[];
  /**
   * Per class: the buffers keys are derived into and used from (the sender's message key, each
   * kept receive chain's message key and next chain key), which hold no key between frames.
   */
  readonly scratch: readonly (readonly Uint8Array[])[];
}

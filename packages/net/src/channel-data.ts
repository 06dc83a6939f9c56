import { BufferTooShortError } from '@elara/core';
import { CHANNEL_DATA_HEADER_BYTES } from './datagram-kind.ts';
import { StunFormatError } from './stun-errors.ts';

/** The first channel number a client may bind (RFC 8656 §12). */
export const CHANNEL_NUMBER_MIN = 0x4000;
/** The last channel number a client may bind. */
export const CHANNEL_NUMBER_MAX = 0x4fff;

/** A decoded ChannelData message: its channel and its payload (a view; copy to keep). */
export interface ChannelData {
  readonly channel: number;
  readonly data: Uint8Array;
}

/**
 * Writes a ChannelData message (RFC 8656 §12.4) into `out` (which must hold 4 + data bytes) and
 * returns the written view. No padding: over UDP it is optional (§12.5) and costs bytes.
 *
 * @example
 * transport.send(encodeChannelData(0x4000, frame, scratch), server);
 */
export function encodeChannelData(
  channel: number,
  data: Uint8Array,
  out: Uint8Array = new Uint8Array(CHANNEL_DATA_HEADER_BYTES + data.byteLength),
): Uint8Array {
  if (channel < CHANNEL_NUMBER_MIN || channel > CHANNEL_NUMBER_MAX)
    throw new StunFormatError(`channel number 0x${channel.toString(16)} is outside 0x4000..0x4fff`);
  out[0] = channel >> 8;
  out[1] = channel & 0xff;
  out[2] = data.byteLength >> 8;
  out[3] = data.byteLength & 0xff;
  out.set(data, CHANNEL_DATA_HEADER_BYTES);
  return out.subarray(0, CHANNEL_DATA_HEADER_BYTES + data.byteLength);
}

/**
 * Reads a ChannelData message: throws `BufferTooShortError` or `StunFormatError` (a channel
 * number outside the client range, a length beyond the datagram); trailing padding is allowed.
 */
export function decodeChannelData(bytes: Uint8Array): ChannelData {
  if (bytes.byteLength < CHANNEL_DATA_HEADER_BYTES)
    throw new BufferTooShortError(CHANNEL_DATA_HEADER_BYTES, bytes.byteLength, 'ChannelData');
  const channel = ((bytes[0] as number) << 8) | (bytes[1] as number);
  const length = ((bytes[2] as number) << 8) | (bytes[3] as number);
  if (channel < CHANNEL_NUMBER_MIN || channel > CHANNEL_NUMBER_MAX)
    throw new StunFormatError(`ChannelData: channel 0x${channel.toString(16)} is not a channel`);
  if (CHANNEL_DATA_HEADER_BYTES + length > bytes.byteLength)
    throw new BufferTooShortError(
      CHANNEL_DATA_HEADER_BYTES + length,
      bytes.byteLength,
      'ChannelData',
    );
  return {
    channel,
    data: bytes.subarray(CHANNEL_DATA_HEADER_BYTES, CHANNEL_DATA_HEADER_BYTES + length),
  };
}

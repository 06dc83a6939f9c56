import { OutOfRangeError } from '@elara/core';

/** Default datagram size budget: safe on internet paths (IPv6 minimum MTU 1280 minus headers). */
export const DEFAULT_MAX_DATAGRAM_SIZE = 1200;
/** The largest frame: the reference's `MAX_FRAME_SIZE`. A relayed transport accepts up to it. */
export const MAX_DATAGRAM_SIZE = 1400;
/**
 * The largest budget a socket transport accepts: a 1400-byte frame plus the TURN framing around
 * it (`RELAY_OVERHEAD`, 60 bytes), so a socket shared with a TURN client can carry relayed
 * frames of the full size. Application frames stay within {@link MAX_DATAGRAM_SIZE}.
 */
export const MAX_CARRIER_DATAGRAM_SIZE = 1460;
/**
 * Default limit on received datagrams: room for a 1400-byte frame inside a TURN Data indication.
 * Anything larger is dropped and counted (`receivedOversize`).
 */
export const DEFAULT_MAX_RECEIVE_BYTES = 1500;
/** Default bound of a transport's send queue, in datagrams. */
export const DEFAULT_SEND_QUEUE_LENGTH = 1024;
/**
 * Default burst: datagrams written back to back before the sender yields. libuv reads at most 32
 * datagrams per socket per event-loop turn, so a receiver in the same process keeps up. It is
 * also the budget per turn that all `UdpTransport`s of one process share.
 */
export const DEFAULT_BURST = 32;

/**
 * How a transport paces its sending. Datagrams beyond the burst (or the rate) wait in the bounded
 * send queue; `send()` says so (`'queued'`), and refuses (`'full'`) when the queue is full.
 *
 * @example
 * const pacing: PacingOptions = { burst: 16, bytesPerSecond: 2_000_000 };
 */
export interface PacingOptions {
  /**
   * Datagrams written back to back before yielding (UDP: one event-loop turn, within the
   * process-wide budget of 32 per turn that all UDP transports share). Default 32.
   */
  readonly burst?: number;
  /**
   * Long-run ceiling on the sending rate, bytes per second. Default: none. Credit builds up to
   * one burst or 4 ms at this rate, whichever is more, so millisecond timers do not lower it.
   */
  readonly bytesPerSecond?: number;
}

/**
 * The send-side limits every transport takes (UDP, SimNetwork and relayed alike).
 *
 * @example
 * const limits: TransportLimitOptions = {
 *   maxDatagramSize: 1400,
 *   sendQueueLength: 256,
 *   pacing: { burst: 16, bytesPerSecond: 5_000_000 },
 * };
 * const t = await UdpTransport.create({ bind: '0.0.0.0:0', ...limits });
 */
export interface TransportLimitOptions {
  /**
   * Largest datagram `send()` accepts, 1..1460 bytes (frames up to 1400; a socket carrying TURN
   * needs 60 more for relayed frames of the full size). Default 1200.
   */
  readonly maxDatagramSize?: number;
  /** Largest datagram delivered to subscribers; larger ones are counted and dropped. Default 1500. */
  readonly maxReceiveBytes?: number;
  /** Bound of the send queue, in datagrams. Default 1024. */
  readonly sendQueueLength?: number;
  readonly pacing?: PacingOptions;
}

/**
 * {@link TransportLimitOptions} with defaults applied and ranges checked.
 *
 * @example
 * const { burst, sendQueueLength } = resolveTransportLimits({ pacing: { burst: 8 } }); // 8, 1024
 */
export interface TransportLimits {
  readonly maxDatagramSize: number;
  readonly maxReceiveBytes: number;
  readonly sendQueueLength: number;
  readonly burst: number;
  readonly bytesPerSecond: number | undefined;
}

function checkInteger(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max)
    throw new OutOfRangeError(`${name} must be an integer in ${min}..${max}, got ${value}`);
  return value;
}

/**
 * Applies defaults and checks ranges; throws `OutOfRangeError` on a bad value.
 *
 * @example
 * resolveTransportLimits({ maxDatagramSize: 1400 }).sendQueueLength; // 1024
 */
export function resolveTransportLimits(options: TransportLimitOptions = {}): TransportLimits {
  const rate = options.pacing?.bytesPerSecond;
  if (rate !== undefined && !(Number.isFinite(rate) && rate > 0))
    throw new OutOfRangeError(`pacing.bytesPerSecond must be a positive number, got ${rate}`);
  return {
    maxDatagramSize: checkInteger(
      'maxDatagramSize',
      options.maxDatagramSize ?? DEFAULT_MAX_DATAGRAM_SIZE,
      1,
      MAX_CARRIER_DATAGRAM_SIZE,
    ),
    maxReceiveBytes: checkInteger(
      'maxReceiveBytes',
      options.maxReceiveBytes ?? DEFAULT_MAX_RECEIVE_BYTES,
      1,
      65_535,
    ),
    sendQueueLength: checkInteger(
      'sendQueueLength',
      options.sendQueueLength ?? DEFAULT_SEND_QUEUE_LENGTH,
      1,
      1 << 20,
    ),
    burst: checkInteger('pacing.burst', options.pacing?.burst ?? DEFAULT_BURST, 1, 1 << 20),
    bytesPerSecond: rate,
  };
}
